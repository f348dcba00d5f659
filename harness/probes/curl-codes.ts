/**
 * curl exit codes (libcurl's CURLcode values, as documented in `man curl`, EXIT CODES) under
 * names that expectations can use, and a readable description for evidence and failure text.
 */
export const CURL = {
  OK: 0,
  UNSUPPORTED_PROTOCOL: 1,
  FAILED_INIT: 2,
  URL_MALFORMAT: 3,
  COULDNT_RESOLVE_PROXY: 5,
  COULDNT_RESOLVE_HOST: 6,
  COULDNT_CONNECT: 7,
  WEIRD_SERVER_REPLY: 8,
  HTTP2: 16,
  PARTIAL_FILE: 18,
  /** `--fail` / `-f` and the server answered >= 400. */
  HTTP_RETURNED_ERROR: 22,
  WRITE_ERROR: 23,
  READ_ERROR: 26,
  OUT_OF_MEMORY: 27,
  OPERATION_TIMEDOUT: 28,
  RANGE_ERROR: 33,
  SSL_CONNECT_ERROR: 35,
  INTERFACE_FAILED: 45,
  TOO_MANY_REDIRECTS: 47,
  /** The server closed the connection without sending anything. */
  GOT_NOTHING: 52,
  SEND_ERROR: 55,
  /** Failure receiving network data, e.g. connection reset by peer. */
  RECV_ERROR: 56,
  SSL_CERTPROBLEM: 58,
  SSL_CIPHER: 59,
  /** The server's certificate or fingerprint could not be verified (e.g. wrong --cacert). */
  PEER_FAILED_VERIFICATION: 60,
  BAD_CONTENT_ENCODING: 61,
  SSL_CACERT_BADFILE: 77,
  SSL_SHUTDOWN_FAILED: 80,
  SSL_PINNEDPUBKEYNOTMATCH: 90,
  SSL_INVALIDCERTSTATUS: 91,
  HTTP2_STREAM: 92,
  HTTP3: 95,
  QUIC_CONNECT_ERROR: 96,
} as const;

export type CurlCodeName = keyof typeof CURL;
export type CurlCode = (typeof CURL)[CurlCodeName];

const DESCRIPTIONS: Readonly<Record<number, string>> = {
  0: 'success',
  1: 'unsupported protocol',
  2: 'failed to initialize',
  3: 'malformed URL',
  5: 'could not resolve proxy',
  6: 'could not resolve host',
  7: 'could not connect (refused or unreachable)',
  8: 'weird server reply',
  16: 'HTTP/2 framing error',
  18: 'partial file (transfer ended early)',
  22: 'HTTP error returned (>= 400 with --fail)',
  23: 'write error',
  26: 'read error',
  27: 'out of memory',
  28: 'operation timed out',
  33: 'range request failed',
  35: 'TLS handshake failed',
  45: 'could not use the requested outgoing interface',
  47: 'too many redirects',
  52: 'empty reply from server',
  55: 'failed sending data',
  56: 'failure receiving data (e.g. connection reset)',
  58: 'problem with the local client certificate',
  59: 'could not use the specified TLS cipher',
  60: 'server certificate could not be verified',
  61: 'unrecognized transfer encoding',
  77: 'problem reading the CA certificate file',
  80: 'TLS shutdown failed',
  90: 'server public key does not match the pinned key',
  91: 'invalid certificate status (OCSP)',
  92: 'HTTP/2 stream error',
  95: 'HTTP/3 layer error',
  96: 'QUIC connection error',
};

const NAMES: ReadonlyMap<number, CurlCodeName> = new Map(
  (Object.entries(CURL) as [CurlCodeName, number][]).map(([name, code]) => [code, name]),
);

/** The constant's name for a curl exit code, or undefined for codes not listed here. */
export function curlCodeName(code: number): CurlCodeName | undefined {
  return NAMES.get(code);
}

/**
 * A readable one-liner for a curl exit code, e.g. `28 OPERATION_TIMEDOUT (operation timed out)`.
 * Unknown codes still print: `99 (curl exit code 99)`.
 */
export function describeCurlExit(code: number): string {
  const name = NAMES.get(code);
  const text = DESCRIPTIONS[code] ?? `curl exit code ${code}`;
  return name ? `${code} ${name} (${text})` : `${code} (${text})`;
}
