/**
 * Chi-square goodness of fit for "every endpoint gets an equal share of the connections".
 *
 * With n requests spread over k endpoints, the statistic X² = Σ (O_i − n/k)² / (n/k) follows
 * a chi-square distribution with k − 1 degrees of freedom when the proxy balances uniformly.
 * A test that fails when X² exceeds the critical value for α fails a correct proxy with
 * probability α (the false-failure rate), so pick α small (1e-5: one false failure in 100 000
 * runs) and n large enough that a real imbalance still fails:
 *
 * - every expected count n/k should be at least 5 for the chi-square approximation
 *   (`minSamplesForChiSquare`);
 * - to catch an imbalance of a given size with a given probability (power), use
 *   `requiredSamples`. Effect size is Cohen's w = sqrt(Σ (p_i − 1/k)² / (1/k)); e.g. one of 5
 *   endpoints getting 1.5x its share (30% instead of 20%, the others 17.5%) is w = 0.25, and
 *   with α = 1e-5 and power 0.99 that takes 882 requests; one endpoint never answering (0%
 *   instead of 20%) is w = 0.5 and takes 221.
 *
 * The p-value is the regularized upper incomplete gamma function Q(df/2, X²/2), computed by
 * its power series below a + 1 and by a Lentz continued fraction above (Numerical Recipes
 * §6.2), with a Lanczos log-gamma; the tests hold it to 1e-12 relative against 40-digit values.
 */

const EPS = 1e-15;
const TINY = 1e-300;
const MAX_ITER = 10_000;

// Lanczos approximation, g = 7, n = 9 (coefficients as published by Godfrey / in Boost).
const LANCZOS_G = 7;
const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905,
  -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];

/** ln Γ(x) for x > 0. */
export function logGamma(x: number): number {
  if (!(x > 0)) throw new RangeError(`logGamma needs x > 0, got ${x}`);
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const z = x - 1;
  let sum = LANCZOS[0] as number;
  for (let i = 1; i < LANCZOS.length; i++) sum += (LANCZOS[i] as number) / (z + i);
  const t = z + LANCZOS_G + 0.5;
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(sum);
}

/** exp(-x) x^a / Γ(a), in log space so large arguments do not overflow. */
function gammaPrefactor(a: number, x: number): number {
  return Math.exp(-x + a * Math.log(x) - logGamma(a));
}

/** Power series for P(a, x), good for x < a + 1. */
function gammaSeries(a: number, x: number): number {
  let ap = a;
  let term = 1 / a;
  let sum = term;
  for (let n = 0; n < MAX_ITER; n++) {
    ap += 1;
    term *= x / ap;
    sum += term;
    if (Math.abs(term) < Math.abs(sum) * EPS) break;
  }
  return sum * gammaPrefactor(a, x);
}

/** Continued fraction for Q(a, x) (modified Lentz), good for x >= a + 1. */
function gammaContinuedFraction(a: number, x: number): number {
  let b = x + 1 - a;
  let c = 1 / TINY;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < MAX_ITER; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < TINY) d = TINY;
    c = b + an / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < EPS) break;
  }
  return gammaPrefactor(a, x) * h;
}

function checkGammaArgs(a: number, x: number): void {
  if (!(a > 0) || !Number.isFinite(a)) throw new RangeError(`incomplete gamma needs a > 0, got ${a}`);
  if (Number.isNaN(x) || x < 0) throw new RangeError(`incomplete gamma needs x >= 0, got ${x}`);
}

/** Regularized lower incomplete gamma P(a, x) = γ(a, x) / Γ(a). */
export function regularizedGammaP(a: number, x: number): number {
  checkGammaArgs(a, x);
  if (x === 0) return 0;
  if (x === Infinity) return 1;
  return x < a + 1 ? gammaSeries(a, x) : 1 - gammaContinuedFraction(a, x);
}

/** Regularized upper incomplete gamma Q(a, x) = Γ(a, x) / Γ(a) = 1 − P(a, x). */
export function regularizedGammaQ(a: number, x: number): number {
  checkGammaArgs(a, x);
  if (x === 0) return 1;
  if (x === Infinity) return 0;
  return x < a + 1 ? 1 - gammaSeries(a, x) : gammaContinuedFraction(a, x);
}

/** P(X <= x) for X ~ chi-square(df). */
export function chiSquareCdf(x: number, df: number): number {
  return x <= 0 ? 0 : regularizedGammaP(df / 2, x / 2);
}

/** P(X > x) for X ~ chi-square(df): the p-value of statistic x. */
export function chiSquareSurvival(x: number, df: number): number {
  return x <= 0 ? 1 : regularizedGammaQ(df / 2, x / 2);
}

/**
 * The critical value c with P(X > c) = alpha for X ~ chi-square(df): a statistic above it
 * rejects at level alpha. Bisection to ~1e-12 relative.
 */
export function chiSquareCritical(df: number, alpha: number): number {
  if (!(df > 0)) throw new RangeError(`df must be > 0, got ${df}`);
  if (!(alpha > 0 && alpha < 1)) throw new RangeError(`alpha must be in (0, 1), got ${alpha}`);
  let lo = 0;
  let hi = Math.max(1, df);
  while (chiSquareSurvival(hi, df) > alpha) {
    lo = hi;
    hi *= 2;
  }
  for (let i = 0; i < 200 && hi - lo > 1e-12 * hi; i++) {
    const mid = (lo + hi) / 2;
    if (chiSquareSurvival(mid, df) > alpha) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/** Critical value for the uniformity test over k buckets (df = k − 1). */
export function uniformCriticalValue(k: number, alpha: number): number {
  if (!Number.isInteger(k) || k < 2) throw new RangeError(`need k >= 2 buckets, got ${k}`);
  return chiSquareCritical(k - 1, alpha);
}

export interface ChiSquareResult {
  statistic: number;
  df: number;
  pValue: number;
  total: number;
  /** Expected count per bucket. */
  expected: number[];
  observed: number[];
}

/**
 * Goodness of fit of observed counts to expected proportions (default: uniform). Buckets
 * that received nothing must still be listed, as 0: a missing endpoint is the imbalance that
 * matters most.
 */
export function chiSquareGoodnessOfFit(observed: readonly number[], proportions?: readonly number[]): ChiSquareResult {
  const k = observed.length;
  if (k < 2) throw new RangeError(`need at least 2 buckets, got ${k}`);
  if (observed.some((o) => !Number.isFinite(o) || o < 0)) throw new RangeError('counts must be finite and >= 0');
  const p = proportions ?? observed.map(() => 1 / k);
  if (p.length !== k) throw new RangeError(`${k} counts but ${p.length} proportions`);
  const psum = p.reduce((s, x) => s + x, 0);
  if (p.some((x) => !(x > 0)) || Math.abs(psum - 1) > 1e-9) throw new RangeError('proportions must be > 0 and sum to 1');
  const total = observed.reduce((s, x) => s + x, 0);
  if (total === 0) throw new RangeError('no observations');
  const expected = p.map((x) => x * total);
  let statistic = 0;
  observed.forEach((o, i) => {
    const e = expected[i] as number;
    statistic += ((o - e) * (o - e)) / e;
  });
  const df = k - 1;
  return { statistic, df, pValue: chiSquareSurvival(statistic, df), total, expected, observed: [...observed] };
}

/** Goodness of fit to the uniform distribution (see chiSquareGoodnessOfFit). */
export function chiSquareUniform(counts: readonly number[]): ChiSquareResult {
  return chiSquareGoodnessOfFit(counts);
}

export interface UniformityVerdict extends ChiSquareResult {
  alpha: number;
  critical: number;
  /** statistic <= critical: consistent with a uniform spread at false-failure rate alpha. */
  uniform: boolean;
  /** One line for evidence, e.g. `χ² = 3.10 (df 4) <= 28.47, the critical value at α = 1e-5: uniform (p = 0.54)`. */
  summary: string;
}

/** The uniformity test as a verdict with its reasoning in words. */
export function uniformityVerdict(counts: readonly number[], alpha: number): UniformityVerdict {
  const r = chiSquareUniform(counts);
  const critical = chiSquareCritical(r.df, alpha);
  const uniform = r.statistic <= critical;
  const summary =
    `χ² = ${r.statistic.toFixed(2)} (df ${r.df}) ${uniform ? '<=' : '>'} ${critical.toFixed(2)}, the critical value at α = ${alpha}: ` +
    `${uniform ? 'uniform' : 'not uniform'} (p = ${r.pValue.toPrecision(3)}; counts ${counts.join(', ')})`;
  return { ...r, alpha, critical, uniform, summary };
}

/** The smallest n with n/k >= minExpected per bucket (the usual validity rule of thumb is 5). */
export function minSamplesForChiSquare(k: number, minExpected = 5): number {
  return Math.ceil(k * minExpected);
}

/** Cohen's effect size w of an alternative distribution against the uniform one over its k buckets. */
export function cohenW(proportions: readonly number[]): number {
  const k = proportions.length;
  return Math.sqrt(proportions.reduce((s, p) => s + (p - 1 / k) ** 2 * k, 0));
}

/**
 * P(X > x) for X ~ noncentral chi-square(df, lambda), as the Poisson mixture
 * Σ_j e^{-λ/2} (λ/2)^j / j! · Q(df/2 + j, x/2).
 */
export function noncentralChiSquareSurvival(x: number, df: number, lambda: number): number {
  if (lambda === 0) return chiSquareSurvival(x, df);
  const half = lambda / 2;
  // Sum outward from the Poisson mode so the weights never underflow before they matter.
  const mode = Math.floor(half);
  const logWeight = (j: number): number => -half + j * Math.log(half) - logGamma(j + 1);
  let sum = 0;
  for (let j = mode; j < mode + 10_000; j++) {
    const w = Math.exp(logWeight(j));
    sum += w * chiSquareSurvival(x, df + 2 * j);
    if (w < 1e-17 && j > mode) break;
  }
  for (let j = mode - 1; j >= 0; j--) {
    const w = Math.exp(logWeight(j));
    sum += w * chiSquareSurvival(x, df + 2 * j);
    if (w < 1e-17) break;
  }
  return Math.min(1, sum);
}

/** Probability that the uniformity test (k buckets, level alpha) fails for an alternative of effect size w with n samples. */
export function chiSquarePower(k: number, n: number, w: number, alpha: number): number {
  return noncentralChiSquareSurvival(uniformCriticalValue(k, alpha), k - 1, n * w * w);
}

/**
 * How many samples the uniformity test over k buckets needs so that an imbalance of effect
 * size `w` (see cohenW) fails it with probability `power`, at false-failure rate `alpha`;
 * never fewer than minSamplesForChiSquare(k).
 */
export function requiredSamples(k: number, opts: { alpha: number; power: number; w: number }): number {
  const { alpha, power, w } = opts;
  if (!(w > 0)) throw new RangeError(`effect size w must be > 0, got ${w}`);
  if (!(power > 0 && power < 1)) throw new RangeError(`power must be in (0, 1), got ${power}`);
  const critical = uniformCriticalValue(k, alpha);
  const enough = (n: number): boolean => noncentralChiSquareSurvival(critical, k - 1, n * w * w) >= power;
  let hi = 1;
  while (!enough(hi)) hi *= 2;
  let lo = Math.floor(hi / 2);
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (enough(mid)) hi = mid;
    else lo = mid;
  }
  return Math.max(hi, minSamplesForChiSquare(k));
}
