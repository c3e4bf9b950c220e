import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, extname, join } from 'node:path';

export class DashboardAssetsError extends Error {
  readonly code = 'DASHBOARD_ASSETS_MISSING';
  constructor(readonly path: string) {
    super(`dashboard file not found: ${path}`);
    this.name = 'DashboardAssetsError';
  }
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

/** The folder holding package.json, found from here whether this module runs from src/ (tsx) or dist/src/. */
function packageRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (
      existsSync(manifest) &&
      (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'dynslice-agent'
    )
      return dir;
    if (dirname(dir) === dir) throw new DashboardAssetsError(join(from, 'package.json'));
  }
}

export interface DashboardAsset {
  file: string;
  contentType: string;
}

/** The timeline chart's modules, which the agent runs too: beside this module in src/ and in dist/src/. */
const CHART_MODULES = ['chart-rows.js', 'chart-geometry.js', 'chart-svg.js'];

/**
 * URL path → file of the dashboard. The page's own files are served from the source folder, the
 * chart's modules from beside this one, and Mermaid from the installed package (no network needed).
 */
export function dashboardAssets(): Map<string, DashboardAsset> {
  const folder = join(packageRoot(import.meta.dirname), 'src', 'observe', 'dashboard');
  const mermaid = createRequire(import.meta.url).resolve('mermaid/dist/mermaid.min.js');
  const entries: [string, string][] = [
    ['/', join(folder, 'index.html')],
    ['/dashboard.css', join(folder, 'dashboard.css')],
    ['/dashboard.js', join(folder, 'dashboard.js')],
    ['/nodes-table.js', join(folder, 'nodes-table.js')],
    ['/state-diagram.js', join(folder, 'state-diagram.js')],
    ['/timeline.js', join(folder, 'timeline.js')],
    ['/drain-ladder.js', join(folder, 'drain-ladder.js')],
    ['/pan-zoom.js', join(folder, 'pan-zoom.js')],
    ['/vendor/mermaid.min.js', mermaid],
    ...CHART_MODULES.map((name): [string, string] => [
      `/timeline-chart/${name}`,
      join(import.meta.dirname, 'timeline-chart', name),
    ]),
  ];
  const assets = new Map<string, DashboardAsset>();
  for (const [path, file] of entries) {
    if (!existsSync(file)) throw new DashboardAssetsError(file);
    assets.set(path, { file, contentType: CONTENT_TYPES[extname(file)] ?? 'application/octet-stream' });
  }
  return assets;
}
