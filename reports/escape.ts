/**
 * Escaping for every place the report writers put text. Everything in a results file may come
 * from the network (echo bodies reflect request headers), so no writer concatenates raw data.
 */

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for HTML element content and quoted attribute values. */
export function escapeHtml(value: unknown): string {
  return String(value ?? '').replace(/[&<>"']/g, (ch) => HTML_ESCAPES[ch] ?? ch);
}

/**
 * JSON for a `<script type="application/json">` block. `<`, `>` and `&` become \u escapes so
 * no `</script>` or `<!--` can appear in the block; U+2028/2029 are escaped for old parsers.
 * JSON.parse of the block's text gives back the original value.
 */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

// eslint-disable-next-line no-control-regex -- matching control characters is the point
const XML_FORBIDDEN = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g;
const XML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

/**
 * Escapes text for XML 1.0 content and attributes, dropping characters XML 1.0 cannot carry
 * at all (C0 controls other than tab/newline/return, lone surrogates, U+FFFE/U+FFFF), which a
 * raw packet or rule dump can contain and which would make the whole file unparseable.
 */
export function escapeXml(value: unknown): string {
  return String(value ?? '')
    .replace(XML_FORBIDDEN, '')
    .replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '')
    .replace(/[&<>"']/g, (ch) => XML_ESCAPES[ch] ?? ch);
}

/**
 * A link target taken from results data, or undefined when it is not safe to link to.
 * Evidence paths must be relative paths inside the report directory (no scheme, no `..`,
 * not absolute); source links must be http(s).
 */
export function safeEvidenceHref(path: string | undefined): string | undefined {
  if (!path) return undefined;
  if (!/^[A-Za-z0-9._~\-/+=@,]+$/.test(path)) return undefined;
  if (path.startsWith('/') || path.split('/').some((part) => part === '..' || part === '')) return undefined;
  return path;
}

export function safeExternalHref(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'https:' || parsed.protocol === 'http:' ? parsed.href : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A relative link we composed ourselves (a history run's index.html plus a case fragment):
 * URI-encoded segments, `..` allowed, no scheme, not absolute. Anything else is dropped.
 */
export function safeRelativeHref(href: string | undefined): string | undefined {
  if (!href) return undefined;
  if (!/^[A-Za-z0-9._~%\-/#+=@,]+$/.test(href)) return undefined;
  if (href.startsWith('/') || href.startsWith('//')) return undefined;
  return href;
}
