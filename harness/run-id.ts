/** Labels every container and namespace this run creates, so cleanup can find them. */
import { randomBytes } from 'node:crypto';

export const RUN_LABEL = 'kpc.run';
export const RUN_ID: string = process.env.KPC_RUN_ID ?? (process.env.KPC_RUN_ID = `${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`);

export function runLabels(role: string): Record<string, string> {
  return { [RUN_LABEL]: RUN_ID, 'kpc.role': role };
}
