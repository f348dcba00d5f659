/**
 * The Playwright entry of the catalogue: declares every case (suites/<group>/<name>.spec.ts),
 * longest first, so workers start the long ones early (harness/run/order.ts). Select cases
 * with `--grep <id>`, not by file.
 */
import { pathToFileURL } from 'node:url';
import { catalogueOrder } from '../harness/run/order.ts';

for (const c of catalogueOrder()) await import(pathToFileURL(c.file).href);
