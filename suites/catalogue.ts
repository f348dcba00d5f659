/**
 * The Playwright entry of the catalogue: loads every case (suites/<group>/<name>.spec.ts),
 * longest first, so workers start the long ones early (harness/run/order.ts), then declares
 * them (once per phase in a phased run, harness/run/phases.ts). Select cases with
 * `--grep <id>`, not by file.
 */
import { pathToFileURL } from 'node:url';
import { declareCases } from '../harness/run/case.ts';
import { catalogueOrder } from '../harness/run/order.ts';

for (const c of catalogueOrder()) await import(pathToFileURL(c.file).href);
declareCases();
