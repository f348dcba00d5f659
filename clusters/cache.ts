/** Where built artefacts live: $KPC_CACHE, default ~/.cache/kpc (an empty value counts as unset). */
import os from 'node:os';
import path from 'node:path';

export function kpcCache(): string {
  return process.env.KPC_CACHE || path.join(os.homedir(), '.cache', 'kpc');
}
