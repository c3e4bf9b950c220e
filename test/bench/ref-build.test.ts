import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildRef } from '../../bench/ref-build.js';

const worktrees = (): string => execFileSync('git', ['worktree', 'list', '--porcelain'], { encoding: 'utf8' });

describe('bench --compare: the other commit, built on the side', () => {
  it("compiles HEAD's agent server in a worktree of its own, and leaves nothing behind", () => {
    const built = buildRef('HEAD');
    try {
      expect(built.commit).toBe(execFileSync('git', ['rev-parse', 'HEAD'], { encoding: 'utf8' }).trim());
      expect(built.harness).toBe('this tree');
      expect(existsSync(join(built.compiled, 'agent-server.js'))).toBe(true);
      expect(worktrees()).toContain(built.compiled.split('/node_modules/')[0]);
    } finally {
      built.remove();
    }
    expect(existsSync(built.compiled)).toBe(false);
    expect(worktrees()).not.toContain(built.compiled.split('/node_modules/')[0]);
  }, 180_000);

  it('refuses a name that is no commit, before building anything', () => {
    expect(() => buildRef('no-such-commit-anywhere')).toThrow();
  });
});
