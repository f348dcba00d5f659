/** The replayable docs pages, in the order `npm run tutorial -- --all` runs them. */
import type { AnyTutorial } from '../harness/tutorials/types.ts';
import { CONNECTING_APPLICATIONS } from './connecting-applications.ts';
import { EXTERNAL_IP } from './external-ip.ts';
import { KUARD_LOAD_BALANCING } from './kuard-load-balancing.ts';
import { POD_AND_ENDPOINT_TERMINATION } from './pods-and-endpoint-termination.ts';
import { USING_SOURCE_IP } from './using-source-ip.ts';

export const TUTORIALS: readonly AnyTutorial[] = [USING_SOURCE_IP, CONNECTING_APPLICATIONS, POD_AND_ENDPOINT_TERMINATION, KUARD_LOAD_BALANCING, EXTERNAL_IP];
