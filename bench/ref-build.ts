import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const git = (args: string[], cwd = ROOT): string =>
  execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();

export interface RefBuild {
  /** The commit REF named, and how it was given. */
  commit: string;
  ref: string;
  /** Where its agent server was compiled (startAgent's `compiled`). */
  compiled: string;
  /** Whose bench/servers were compiled against REF's src: this tree's (the same harness), or REF's own. */
  harness: 'this tree' | "the commit's own";
  remove(): void;
}

/**
 * REF checked out in a temporary worktree, sharing this tree's packages, with its agent server
 * compiled into its own directory: this tree's bench/servers against REF's src when they compile
 * (both sides are then measured alike), else REF's own bench/servers. `remove()` deletes it all.
 */
export function buildRef(ref: string): RefBuild {
  const commit = git(['rev-parse', '--verify', `${ref}^{commit}`]);
  const dir = mkdtempSync(join(tmpdir(), 'dynslice-bench-ref-'));
  const tree = join(dir, 'tree');
  let added = false;
  const remove = (): void => {
    if (added) {
      try {
        git(['worktree', 'remove', '--force', tree]);
      } catch {
        // Already gone: the directory is removed below, and `git worktree prune` forgets it.
      }
    }
    rmSync(dir, { recursive: true, force: true });
    git(['worktree', 'prune']);
  };
  try {
    git(['worktree', 'add', '--detach', tree, commit]);
    added = true;
    linkPackages(tree);
    const tsc = (): void =>
      void execFileSync(
        process.execPath,
        [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', join(tree, 'bench/tsconfig.servers.json')],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
    let harness: RefBuild['harness'] = 'this tree';
    cpSync(join(ROOT, 'bench/servers'), join(tree, 'bench/servers'), { recursive: true });
    cpSync(join(ROOT, 'bench/tsconfig.servers.json'), join(tree, 'bench/tsconfig.servers.json'));
    try {
      tsc();
    } catch {
      harness = "the commit's own";
      git(['checkout', '--', 'bench'], tree);
      git(['clean', '-fdq', 'bench'], tree);
      tsc();
    }
    return { commit, ref, compiled: join(tree, 'node_modules/.cache/dynslice-bench/bench/servers'), harness, remove };
  } catch (error) {
    remove();
    throw error;
  }
}

/** The tree's node_modules: a link to each of this tree's packages, and a `.cache` of its own for the compiled server. */
function linkPackages(tree: string): void {
  const modules = join(tree, 'node_modules');
  mkdirSync(modules);
  for (const entry of readdirSync(join(ROOT, 'node_modules'))) {
    if (entry !== '.cache') symlinkSync(join(ROOT, 'node_modules', entry), join(modules, entry));
  }
}
