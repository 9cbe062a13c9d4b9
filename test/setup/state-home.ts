/**
 * Per test file: `pdl verify` remembers checkpoints under $XDG_STATE_HOME (README "Proof"); tests,
 * and the `pdl` processes they start, keep that state in a temporary folder, never the real home.
 */
import { makeTempDir } from '../fixtures/temp-dirs.js';

process.env.XDG_STATE_HOME = makeTempDir('state-home');
