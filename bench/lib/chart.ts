/**
 * A hand-written SVG of the lease figures: throughput per concurrency (left) and claim latency
 * p50 with a p99 whisker on a log scale (right), one colour per claim path.
 */

export interface ChartPoint {
  concurrency: number;
  throughput: number;
  p50: number;
  p99: number;
}

export interface ChartSeries {
  name: string;
  color: string;
  points: ChartPoint[];
}

const WIDTH = 980;
const HEIGHT = 420;
const PANEL = { top: 60, bottom: 70, height: HEIGHT - 60 - 70 };
const LEFT = { x: 70, width: 380 };
const RIGHT = { x: 560, width: 380 };

const escapeXml = (text: string) => text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
const fmt = (n: number) => (n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n.toFixed(2));

/** A round axis top at or above `max`: 1, 2 or 5 times a power of ten. */
function niceCeil(max: number): number {
  if (!(max > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(max));
  for (const step of [1, 2, 5, 10]) if (step * power >= max) return step * power;
  return 10 * power;
}

export function leaseChart(title: string, subtitle: string, series: readonly ChartSeries[]): string {
  const levels = [...new Set(series.flatMap((s) => s.points.map((p) => p.concurrency)))].sort((a, b) => a - b);
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="Helvetica, Arial, sans-serif" font-size="12">`,
  );
  out.push(`<rect width="${WIDTH}" height="${HEIGHT}" fill="#ffffff"/>`);
  out.push(
    `<text x="${WIDTH / 2}" y="22" text-anchor="middle" font-size="16" font-weight="bold">${escapeXml(title)}</text>`,
  );
  out.push(`<text x="${WIDTH / 2}" y="40" text-anchor="middle" fill="#555">${escapeXml(subtitle)}</text>`);

  const groupWidth = (width: number) => width / Math.max(1, levels.length);
  const barWidth = (width: number) => (groupWidth(width) * 0.8) / Math.max(1, series.length);
  const barX = (panelX: number, width: number, level: number, index: number) =>
    panelX + level * groupWidth(width) + groupWidth(width) * 0.1 + index * barWidth(width);
  const base = PANEL.top + PANEL.height;

  // Left: throughput, linear.
  const maxThroughput = niceCeil(Math.max(0, ...series.flatMap((s) => s.points.map((p) => p.throughput))));
  const yLinear = (v: number) => base - (v / maxThroughput) * PANEL.height;
  out.push(
    `<text x="${LEFT.x + LEFT.width / 2}" y="${PANEL.top - 8}" text-anchor="middle" font-weight="bold">Throughput (leases/s)</text>`,
  );
  for (let i = 0; i <= 5; i++) {
    const v = (maxThroughput * i) / 5;
    out.push(
      `<line x1="${LEFT.x}" x2="${LEFT.x + LEFT.width}" y1="${yLinear(v)}" y2="${yLinear(v)}" stroke="#e5e5e5"/>`,
    );
    out.push(`<text x="${LEFT.x - 6}" y="${yLinear(v) + 4}" text-anchor="end" fill="#555">${fmt(v)}</text>`);
  }
  series.forEach((s, index) => {
    for (const p of s.points) {
      const level = levels.indexOf(p.concurrency);
      const x = barX(LEFT.x, LEFT.width, level, index);
      const y = yLinear(p.throughput);
      out.push(
        `<rect x="${x.toFixed(1)}" y="${y.toFixed(1)}" width="${(barWidth(LEFT.width) - 2).toFixed(1)}" height="${(base - y).toFixed(1)}" fill="${s.color}"><title>${escapeXml(`${s.name}, ${p.concurrency} runners: ${fmt(p.throughput)} leases/s`)}</title></rect>`,
      );
      out.push(
        `<text x="${(x + barWidth(LEFT.width) / 2 - 1).toFixed(1)}" y="${(y - 3).toFixed(1)}" text-anchor="middle" font-size="9" fill="#333">${fmt(p.throughput)}</text>`,
      );
    }
  });

  // Right: latency, log scale, p50 bar and p99 whisker.
  const allLatencies = series.flatMap((s) => s.points.flatMap((p) => [p.p50, p.p99])).filter((v) => v > 0);
  const lo = 10 ** Math.floor(Math.log10(Math.max(0.1, Math.min(...allLatencies, 1))));
  const hi = 10 ** Math.ceil(Math.log10(Math.max(...allLatencies, lo * 10)));
  const yLog = (v: number) =>
    base - ((Math.log10(Math.max(v, lo)) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo))) * PANEL.height;
  out.push(
    `<text x="${RIGHT.x + RIGHT.width / 2}" y="${PANEL.top - 8}" text-anchor="middle" font-weight="bold">Claim latency (ms, log): bar p50, whisker p99</text>`,
  );
  for (let v = lo; v <= hi; v *= 10) {
    out.push(`<line x1="${RIGHT.x}" x2="${RIGHT.x + RIGHT.width}" y1="${yLog(v)}" y2="${yLog(v)}" stroke="#e5e5e5"/>`);
    out.push(`<text x="${RIGHT.x - 6}" y="${yLog(v) + 4}" text-anchor="end" fill="#555">${fmt(v)}</text>`);
  }
  series.forEach((s, index) => {
    for (const p of s.points) {
      const level = levels.indexOf(p.concurrency);
      const x = barX(RIGHT.x, RIGHT.width, level, index);
      const w = barWidth(RIGHT.width) - 2;
      const y50 = yLog(p.p50);
      const y99 = yLog(p.p99);
      const mid = x + w / 2;
      out.push(
        `<rect x="${x.toFixed(1)}" y="${y50.toFixed(1)}" width="${w.toFixed(1)}" height="${(base - y50).toFixed(1)}" fill="${s.color}" opacity="0.85"><title>${escapeXml(`${s.name}, ${p.concurrency} runners: p50 ${fmt(p.p50)} ms, p99 ${fmt(p.p99)} ms`)}</title></rect>`,
      );
      out.push(
        `<line x1="${mid.toFixed(1)}" x2="${mid.toFixed(1)}" y1="${y50.toFixed(1)}" y2="${y99.toFixed(1)}" stroke="#222"/>`,
      );
      out.push(
        `<line x1="${(mid - w / 3).toFixed(1)}" x2="${(mid + w / 3).toFixed(1)}" y1="${y99.toFixed(1)}" y2="${y99.toFixed(1)}" stroke="#222"/>`,
      );
    }
  });

  // Axes and concurrency labels under both panels.
  for (const panel of [LEFT, RIGHT]) {
    out.push(`<line x1="${panel.x}" x2="${panel.x + panel.width}" y1="${base}" y2="${base}" stroke="#333"/>`);
    out.push(`<line x1="${panel.x}" x2="${panel.x}" y1="${PANEL.top}" y2="${base}" stroke="#333"/>`);
    levels.forEach((level, i) => {
      out.push(
        `<text x="${panel.x + (i + 0.5) * groupWidth(panel.width)}" y="${base + 16}" text-anchor="middle">${level} runner${level === 1 ? "" : "s"}</text>`,
      );
    });
  }

  // Legend.
  let lx = LEFT.x;
  const ly = HEIGHT - 22;
  for (const s of series) {
    out.push(`<rect x="${lx}" y="${ly - 10}" width="12" height="12" fill="${s.color}"/>`);
    out.push(`<text x="${lx + 16}" y="${ly}">${escapeXml(s.name)}</text>`);
    lx += 22 + s.name.length * 6.5;
  }
  out.push(`</svg>`);
  return `${out.join("\n")}\n`;
}
