/**
 * Numbers checked against published tables (upper percentage points of chi-square as in
 * Abramowitz & Stegun table 26.8 / the NIST e-Handbook; Cohen's sample-size tables), closed
 * forms, and values computed independently with mpmath at 40 digits.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  chiSquareCdf,
  chiSquareCritical,
  chiSquareGoodnessOfFit,
  chiSquarePower,
  chiSquareSurvival,
  chiSquareUniform,
  cohenW,
  logGamma,
  minSamplesForChiSquare,
  noncentralChiSquareSurvival,
  regularizedGammaP,
  regularizedGammaQ,
  requiredSamples,
  uniformCriticalValue,
  uniformityVerdict,
} from '../../harness/judge/stats.ts';

function close(actual: number, expected: number, rel: number, what = ''): void {
  assert.ok(Math.abs(actual - expected) <= rel * Math.abs(expected), `${what}: ${actual} vs ${expected} (rel ${rel})`);
}

test('logGamma: factorials and Γ(1/2) = √π', () => {
  close(logGamma(10), Math.log(362880), 1e-14, 'ln 9!');
  close(logGamma(0.5), 0.5 * Math.log(Math.PI), 1e-14, 'ln Γ(1/2)');
  assert.ok(Math.abs(logGamma(1)) < 1e-15 && Math.abs(logGamma(2)) < 1e-15);
  close(logGamma(171), 706.5730622457874, 1e-14, 'ln 170!');
  close(logGamma(0.1), 2.252712651734206, 1e-13, 'ln Γ(0.1)');
  assert.throws(() => logGamma(0), RangeError);
});

test('incomplete gamma: closed forms Q(1, x) = e^-x, P(1/2, x) = erf(√x), P + Q = 1', () => {
  for (const x of [0.01, 0.5, 1, 2, 10, 50]) close(regularizedGammaQ(1, x), Math.exp(-x), 1e-13, `Q(1, ${x})`);
  close(regularizedGammaP(0.5, 1), 0.8427007929497149, 1e-14, 'erf(1)');
  close(regularizedGammaP(0.5, 4), 0.9953222650189527, 1e-14, 'erf(2)');
  close(regularizedGammaP(0.5, 9), 0.9999779095030014, 1e-14, 'erf(3)');
  for (const [a, x] of [
    [0.5, 0.2],
    [3, 2.5],
    [3, 4.5],
    [50, 49],
    [50, 52],
  ] as const) {
    close(regularizedGammaP(a, x) + regularizedGammaQ(a, x), 1, 1e-14, `P+Q at ${a}, ${x}`);
  }
  assert.equal(regularizedGammaQ(2, 0), 1);
  assert.equal(regularizedGammaP(2, 0), 0);
  assert.throws(() => regularizedGammaQ(0, 1), RangeError);
  assert.throws(() => regularizedGammaQ(1, -1), RangeError);
});

test('chi-square p-values against 40-digit values (mpmath) and closed forms', () => {
  const cases: [number, number, number][] = [
    [20, 4, 0.0004993992273873333],
    [3, 4, 0.5578254003710745],
    [14, 2, 0.0009118819655545162],
    [0.5, 1, 0.4795001221869535],
    [100, 50, 0.00003454931382984864],
    [0.001, 3, 0.9999915920809419],
    [300, 200, 0.000005924540335483916],
  ];
  for (const [x, df, p] of cases) close(chiSquareSurvival(x, df), p, 1e-12, `sf(${x}, ${df})`);
  // df = 2: P(X > x) = e^(-x/2); df = 4: e^(-x/2) (1 + x/2).
  for (const x of [0.3, 5, 23, 60]) {
    close(chiSquareSurvival(x, 2), Math.exp(-x / 2), 1e-13, `df 2 at ${x}`);
    close(chiSquareSurvival(x, 4), Math.exp(-x / 2) * (1 + x / 2), 1e-13, `df 4 at ${x}`);
  }
  close(chiSquareCdf(3, 4) + chiSquareSurvival(3, 4), 1, 1e-15);
  assert.equal(chiSquareSurvival(0, 3), 1);
});

test('critical values match the published chi-square table (3 decimals)', () => {
  // df: [alpha 0.05, 0.01, 0.001]
  const table: Record<number, [number, number, number]> = {
    1: [3.841, 6.635, 10.828],
    2: [5.991, 9.21, 13.816],
    4: [9.488, 13.277, 18.467],
    10: [18.307, 23.209, 29.588],
    30: [43.773, 50.892, 59.703],
    100: [124.342, 135.807, 149.449],
  };
  for (const [df, values] of Object.entries(table)) {
    [0.05, 0.01, 0.001].forEach((alpha, i) => {
      const c = chiSquareCritical(Number(df), alpha);
      assert.ok(Math.abs(c - (values[i] as number)) < 0.0006, `df ${df}, α ${alpha}: ${c} vs ${values[i]}`);
    });
  }
});

test('critical values at the small alphas we use (mpmath, closed form for df 2)', () => {
  const ref: [number, number, number][] = [
    [1, 1e-5, 19.5114209646576],
    [2, 1e-5, 23.0258509299405],
    [4, 1e-5, 28.473255424006],
    [9, 1e-5, 39.3406537338685],
    [10, 1e-5, 41.2961579687602],
    [4, 1e-4, 23.5127424449908],
    [9, 1e-4, 33.7199484389646],
  ];
  for (const [df, alpha, c] of ref) close(chiSquareCritical(df, alpha), c, 1e-11, `df ${df}, α ${alpha}`);
  close(chiSquareCritical(2, 1e-5), -2 * Math.log(1e-5), 1e-12, 'df 2 closed form');
  close(chiSquareSurvival(chiSquareCritical(7, 1e-6), 7), 1e-6, 1e-9, 'round trip');
  assert.equal(uniformCriticalValue(5, 1e-5), chiSquareCritical(4, 1e-5));
  assert.throws(() => uniformCriticalValue(1, 0.05), RangeError);
  assert.throws(() => chiSquareCritical(4, 0), RangeError);
});

test('goodness of fit: statistic, df, p-value', () => {
  const even = chiSquareUniform([10, 10, 10, 10]);
  assert.deepEqual([even.statistic, even.df, even.pValue, even.total], [0, 3, 1, 40]);
  // (20, 30, 50): expected 33.33 each, X² = 14, df 2, p = e^-7.
  const r = chiSquareUniform([20, 30, 50]);
  close(r.statistic, 14, 1e-14);
  assert.equal(r.df, 2);
  close(r.pValue, Math.exp(-7), 1e-13);
  // A zero bucket counts: one of 5 endpoints never answering in 100 requests.
  const missing = chiSquareUniform([25, 25, 25, 25, 0]);
  close(missing.statistic, 25, 1e-14);
  assert.ok(missing.pValue < 1e-4);
  const weighted = chiSquareGoodnessOfFit([30, 70], [0.25, 0.75]);
  close(weighted.statistic, 25 / 25 + 25 / 75, 1e-14);
  assert.throws(() => chiSquareUniform([5]), RangeError);
  assert.throws(() => chiSquareUniform([0, 0]), RangeError);
  assert.throws(() => chiSquareUniform([1, -1, 3]), RangeError);
  assert.throws(() => chiSquareGoodnessOfFit([1, 2], [0.5, 0.6]), RangeError);
});

test('uniformityVerdict says what it decided and why', () => {
  const ok = uniformityVerdict([205, 190, 198, 212, 195], 1e-5);
  assert.equal(ok.uniform, true);
  assert.match(ok.summary, /^χ² = 1\.49 \(df 4\) <= 28\.47, the critical value at α = 0\.00001: uniform \(p = /);
  const bad = uniformityVerdict([250, 250, 250, 250, 0], 1e-5);
  assert.equal(bad.uniform, false);
  assert.match(bad.summary, /> 28\.47.*not uniform/);
});

test('sample sizes: Cohen\'s tables (df 1 and 4, α 0.05, power 0.8) and our α = 1e-5 examples', () => {
  // df 1: n = 785, 88, 32 for w = 0.1, 0.3, 0.5; df 4: n = 133 for w = 0.3.
  assert.equal(requiredSamples(2, { alpha: 0.05, power: 0.8, w: 0.1 }), 785);
  assert.equal(requiredSamples(2, { alpha: 0.05, power: 0.8, w: 0.3 }), 88);
  assert.equal(requiredSamples(2, { alpha: 0.05, power: 0.8, w: 0.5 }), 32);
  assert.equal(requiredSamples(5, { alpha: 0.05, power: 0.8, w: 0.3 }), 133);
  // The doc comment's examples (also computed with mpmath).
  close(cohenW([0.3, 0.175, 0.175, 0.175, 0.175]), 0.25, 1e-12);
  close(cohenW([0, 0.25, 0.25, 0.25, 0.25]), 0.5, 1e-12);
  assert.equal(requiredSamples(5, { alpha: 1e-5, power: 0.99, w: 0.25 }), 882);
  assert.equal(requiredSamples(5, { alpha: 1e-5, power: 0.99, w: 0.5 }), 221);
  assert.equal(minSamplesForChiSquare(5), 25);
  assert.equal(requiredSamples(50, { alpha: 0.5, power: 0.01, w: 5 }), minSamplesForChiSquare(50), 'never below 5 per bucket');
});

test('noncentral chi-square survival (mpmath) and power', () => {
  close(noncentralChiSquareSurvival(10, 4, 5), 0.36177114041768915, 1e-12);
  assert.equal(noncentralChiSquareSurvival(10, 4, 0), chiSquareSurvival(10, 4));
  const p = chiPowerMonotone();
  assert.ok(p, 'power grows with n');
});

function chiPowerMonotone(): boolean {
  let last = 0;
  for (const n of [50, 100, 200, 400, 800]) {
    const p = chiSquarePower(5, n, 0.25, 1e-5);
    if (!(p > last)) return false;
    last = p;
  }
  return last > 0.9;
}
