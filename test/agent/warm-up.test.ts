import { describe, expect, it } from 'vitest';
import { warmUpCallPath, warmUpDrainPath } from '../../src/agent/warm-up.js';
import { captureLogger } from '../helpers/capture-logger.js';

describe('warming the drain and call paths before the endpoint listens', () => {
  it('drives a phantom node to drained without a log line', async () => {
    const { logger, lines } = captureLogger();
    expect(await warmUpDrainPath(logger, Date.now)).toBe(true);
    expect(lines).toEqual([]);
  });

  it('decodes, validates and answers a sample countdown', async () => {
    await expect(warmUpCallPath()).resolves.toBeUndefined();
  });
});
