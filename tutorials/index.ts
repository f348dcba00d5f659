/** The replayable docs pages, in the order `npm run tutorial -- --all` runs them. */
import type { AnyTutorial } from '../harness/tutorials/types.ts';
import { USING_SOURCE_IP } from './using-source-ip.ts';

export const TUTORIALS: readonly AnyTutorial[] = [USING_SOURCE_IP];
