/** The run written out: a Markdown report and a hand-written SVG chart. */
import { modeName } from './harness.js';
import { placementSection } from './placement.js';
import type { Row, RunReport } from './rows.js';
import { checkTargets, rate, ratio } from './targets.js';

const NOTES = [
  'CPU/wall is process CPU time (user + system, every thread) over wall ' +
    'time: 1.00 is one busy core, 2.00 both. On this shared 2-vCPU ' +
    'machine two busy threads sometimes get one core between them.',
  'Start-up (createMachine, worker threads included) is timed apart and ' +
    'not in the rate. Each case runs in a fresh process; workloads that ' +
    'can run twice on one machine do a warm-up go first, of the Savina ' +
    "size for the Savina workloads (as Savina's runner discards its " +
    'first iterations).',
  'vs baseline is rate / the baseline rate measured in this run. The ' +
    'plain loop is a one-thread actor loop without a runtime (typed-array ' +
    'queue, monomorphic dispatch): a ceiling, not a peer. Big, Chameneos ' +
    'and fork-join throughput are compared with the plain ThreadRing ' +
    '(one-thread message ceiling); creation with the plain tree; ' +
    'MaxThroughput across workers with the raw rings between two ' +
    'threads, both ways at once, frames of the engine size (frames/s ' +
    'both ways together); ' +
    'steps with the raw barrier for as many parties; Scaling with bare ' +
    'threads doing the same arithmetic; memory (bytes per component over ' +
    'bytes) with empty plain objects held in an array.',
  'Placement on workers: PingPong and Counting keep both components on ' +
    'one worker (pingpong split: ponger on the other worker); ThreadRing ' +
    'is cut in one arc per worker; Big, Chameneos, fork-join and the ' +
    "tree's top levels spread round-robin; MaxThroughput places and " +
    'pins pairs explicitly; Scaling deals cells over the workers in ' +
    'turn. Infoton optimization is on (the default), so components ' +
    'that are not pinned may move from where they start.',
  'Targets are judged on the default configuration: loose steps, one ' +
    'worker per core; the embedded figure is shown beside.',
  'Step: a machine with nothing to do parks at once even when asked for ' +
    'n steps, so one component is woken every step (ctx.wakeEveryStep) ' +
    'and ignores its Tick: each "empty" step carries one Tick message.',
  'Memory: the heap slope between the two sizes after a full collection ' +
    '(gc exposed through a V8 flag), every worker heap added up.',
];

function cell(row: Row, digits = 2): string {
  return row.cpuWall.toFixed(digits);
}

function params(row: Row): string {
  return Object.entries(row.params)
    .filter(([k]) => k !== 'seconds')
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
}

export function markdown(report: RunReport): string {
  const out: string[] = [];
  const kind = report.quick ? 'quick run (small sizes)' : 'full run';
  out.push(`# Circo throughput suite: ${kind}`, '');
  out.push(
    `${report.date}, commit ${report.commit}, Node ${report.node}, ` +
      `${report.cores} cores, ` +
      `${report.seconds.toFixed(0)} s in all. ` +
      `Command: \`${report.argv.join(' ') || 'npm run bench'}\``,
    '',
  );
  if (report.quick) {
    out.push('Quick sizes check results; their rates are not comparable.', '');
  }
  out.push('## Workloads', '');
  out.push(
    '| workload | params | mode | rate /s | unit | CPU/wall | start-up s ' +
      '| vs baseline | baseline |',
  );
  out.push('|---|---|---|---:|---|---:|---:|---:|---|');
  for (const row of report.rows.filter((r) => r.kind === 'workload')) {
    if (row.error) {
      out.push(
        `| ${row.id} | ${params(row)} | ${row.mode} | FAILED | | | | | ` +
          `${row.error.replaceAll('|', '/').slice(0, 120)} |`,
      );
      continue;
    }
    const runs = row.runs ? ` (median of ${row.runs})` : '';
    const unit =
      row.name === 'memory'
        ? `actors; ${row.extra?.bytesPerComponent?.toFixed(1)} B/actor`
        : row.unit;
    out.push(
      `| ${row.id} | ${params(row)} | ${row.mode} | ${rate(row.rate)}` +
        `${runs} | ${unit} | ${cell(row)} | ` +
        `${row.startupSeconds?.toFixed(3) ?? ''} | ` +
        `${row.vsBaseline === undefined ? '' : ratio(row.vsBaseline)} | ` +
        `${row.baseline ?? ''} |`,
    );
  }
  out.push('', '## Baselines (same run)', '');
  out.push('| baseline | params | rate /s | unit | CPU/wall |');
  out.push('|---|---|---:|---|---:|');
  for (const row of report.rows.filter((r) => r.kind === 'baseline')) {
    const runs = row.runs ? ` (median of ${row.runs})` : '';
    out.push(
      row.error
        ? `| ${row.id} | ${params(row)} | FAILED | | ${row.error} |`
        : `| ${row.id} | ${params(row)} | ${rate(row.rate)}${runs} | ` +
            `${row.unit} | ${cell(row)} |`,
    );
  }
  const s = report.scaling;
  if (s !== undefined) {
    out.push('', `## Scaling (interleaved, ${s.rounds} rounds, medians)`, '');
    out.push('| configuration | seconds |', '|---|---:|');
    for (const [name, seconds] of Object.entries(s.medians)) {
      out.push(`| ${name} | ${seconds.toFixed(3)} |`);
    }
    out.push(
      '',
      `Speedup 1 -> 2: circo ${s.circoSpeedup.toFixed(2)}x, bare threads ` +
        `${s.bareSpeedup.toFixed(2)}x, ratio ` +
        `${(s.circoSpeedup / s.bareSpeedup).toFixed(2)}.`,
    );
  }
  out.push(...placementSection(report.rows, report.quick));
  out.push('', '## Targets', '');
  out.push('| target | measured | reference | ratio | goal | met |');
  out.push('|---|---|---|---:|---:|---|');
  const standard = modeName({ workers: report.cores, strict: false });
  for (const t of checkTargets(report.rows, report.scaling, standard)) {
    out.push(
      `| ${t.target} | ${t.measured} | ${t.reference} | ` +
        `${ratio(t.ratio)} | ${t.goal} | ${t.verdict} |`,
    );
  }
  out.push('', '## Notes', '');
  for (const note of NOTES) out.push(`- ${note}`);
  return `${out.join('\n')}\n`;
}

const COLORS: Record<string, string> = {
  embedded: '#4e79a7',
  workers: '#f28e2b',
  strict: '#e15759',
  baseline: '#9d9d9d',
};

function colorOf(row: Row): string {
  if (row.kind === 'baseline') return COLORS.baseline!;
  if (row.mode.endsWith('strict')) return COLORS.strict!;
  return row.mode === 'embedded' ? COLORS.embedded! : COLORS.workers!;
}

function xml(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;');
}

/** Messages per second by workload and mode, on a log scale. */
export function svg(report: RunReport): string {
  const rows = report.rows.filter(
    (r) =>
      !r.error &&
      r.rate > 0 &&
      (r.unit === 'msg' || r.unit === 'frames') &&
      !r.id.startsWith('micro'),
  );
  const groups = new Map<string, Row[]>();
  for (const row of rows) {
    const key = row.kind === 'baseline' ? `baseline: ${row.id}` : row.id;
    groups.set(key, [...(groups.get(key) ?? []), row]);
  }
  const left = 190;
  const width = 640;
  const bar = 11;
  const top = 50;
  const lo = 3; // 1e3
  const hi = 9; // 1e9
  const x = (v: number) =>
    left + ((Math.log10(Math.max(v, 10 ** lo)) - lo) / (hi - lo)) * width;
  const parts: string[] = [];
  let y = top;
  for (const [label, group] of groups) {
    const height = group.length * bar + 8;
    parts.push(
      `<text x="${left - 6}" y="${y + height / 2 + 4}" text-anchor="end">` +
        `${xml(label)}</text>`,
    );
    group.forEach((row, i) => {
      const by = y + 4 + i * bar;
      parts.push(
        `<rect x="${left}" y="${by}" ` +
          `width="${(x(row.rate) - left).toFixed(1)}" ` +
          `height="${bar - 2}" fill="${colorOf(row)}"><title>` +
          `${xml(
            `${row.id} ${row.mode}: ${rate(row.rate)} ${row.unit}/s, ` +
              `cpu/wall ${row.cpuWall.toFixed(2)}`,
          )}</title></rect>`,
        `<text x="${(x(row.rate) + 4).toFixed(1)}" y="${by + bar - 3}" ` +
          `class="v">${xml(`${rate(row.rate)} ${row.mode}`)}</text>`,
      );
    });
    y += height + 4;
  }
  const axis: string[] = [];
  for (let p = lo; p <= hi; p++) {
    const ax = x(10 ** p);
    axis.push(
      `<line x1="${ax}" y1="${top - 6}" x2="${ax}" y2="${y}" class="g"/>`,
      `<text x="${ax}" y="${top - 10}" text-anchor="middle">1e${p}</text>`,
    );
  }
  const legend = Object.entries(COLORS)
    .map(
      ([name, color], i) =>
        `<rect x="${left + i * 110}" y="8" width="10" height="10" ` +
        `fill="${color}"/><text x="${left + 14 + i * 110}" y="17">` +
        `${name}</text>`,
    )
    .join('');
  const total = y + 20;
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${left + width + 120}" ` +
    `height="${total}" font-family="sans-serif" font-size="11">\n` +
    '<style>.g{stroke:#ddd}.v{fill:#333;font-size:9px}</style>\n' +
    `<text x="8" y="17" font-weight="bold">messages/s (log)</text>` +
    `${legend}\n${axis.join('\n')}\n${parts.join('\n')}\n</svg>\n`
  );
}
