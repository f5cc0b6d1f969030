/**
 * The fuzz run's counts as text: what was made, what failed with which code, which violations,
 * peak memory, time, and where each finding was saved.
 */
import { defaultOptions, type FuzzReport } from './harness';

const mb = (bytes: number): string => `${Math.round(bytes / 2 ** 20)} MB`;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length === 0 ? 0 : sorted[Math.floor((sorted.length - 1) / 2)];
}

/** Total violations of every kind. */
export function violationCount(report: FuzzReport): number {
  return Object.values(report.violations).reduce((s, n) => s + (n ?? 0), 0);
}

export function formatReport(report: FuzzReport): string {
  const { options: o, inputs } = report;
  const lines: string[] = [];
  lines.push(`fuzz: --seed ${o.seed} --count ${o.count}, ${report.folders} folders of <= ${o.batchSize} (+4 oddly named), sizes ${o.sizes.join(',')}, ${o.workers} workers, ${o.cli}`);
  lines.push(`  (replay: npm run fuzz -- --seed ${o.seed} --count ${o.count}${o.batchSize === defaultOptions.batchSize ? '' : ` --batch ${o.batchSize}`})`);
  for (const [role, t] of Object.entries(inputs)) {
    if (t.total === 0) continue;
    lines.push(`  ${role.padEnd(10)} ${String(t.total).padStart(6)}: ${t.made} made, ${t.failed} failed${t.unclassified ? `, ${t.unclassified} unclassified (process gave no summary)` : ''}`);
  }
  const codes = Object.entries(report.failedByCode).sort((a, b) => b[1] - a[1]);
  lines.push(`  failed by code: ${codes.map(([c, n]) => `${c} ${n}`).join(', ') || 'none'}`);
  const kinds = Object.entries(report.violations).sort((a, b) => (b[1] ?? 0) - (a[1] ?? 0));
  lines.push(`  violations: ${violationCount(report)}${kinds.length ? ` (${kinds.map(([k, n]) => `${k} ${n}`).join(', ')})` : ''}`);
  const peaks = report.peakRss;
  lines.push(`  peak RSS per CLI process: max ${mb(Math.max(0, ...peaks))}, median ${mb(median(peaks))} (budget ${o.maxRssMb} MB, ${peaks.length} processes)`);
  lines.push(`  elapsed ${(report.elapsedMs / 1000).toFixed(1)} s${report.isolationRuns ? `, of which ${report.isolationRuns} reruns to find culprits` : ''}`);
  if (report.findings.length > 0) {
    lines.push(`findings (saved in ${o.findingsDir}, listed in its index.txt):`);
    for (const f of report.findings) {
      const what = f.saved ? `${f.saved}${f.name ? `  (${f.name})` : ''}` : `${f.folder}, no single input`;
      const times = f.count > 1 ? ` (x${f.count})` : '';
      lines.push(`  ${f.kind}${times}: ${what}\n      ${f.detail.slice(0, 400)}${f.origin ? `\n      ${f.origin.slice(0, 300)}` : ''}`);
    }
  }
  return lines.join('\n');
}
