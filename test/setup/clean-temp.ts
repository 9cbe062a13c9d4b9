/** Per test file: remove the temporary folders its tests made, after its own hooks ran (stopped servers included). */
import { afterAll } from 'vitest';
import { removeTempDirs } from '../fixtures/temp-dirs.js';

afterAll(() => removeTempDirs());
