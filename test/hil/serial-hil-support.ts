/** The serial HIL tests' polling helpers are the shared ones. */
export { sleep, waitFor } from '../support/wait.ts';
