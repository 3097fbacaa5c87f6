// The demo's terminal view: a line per event, tagged and coloured on a terminal (plain text
// otherwise, or with NO_COLOR), a compact tick counter, and the closing summary.
const colours = { reset: "\x1b[0m", dim: "\x1b[2m", bold: "\x1b[1m", green: "\x1b[32m", red: "\x1b[31m", yellow: "\x1b[33m", cyan: "\x1b[36m", magenta: "\x1b[35m" };
const tagColour: Record<string, keyof typeof colours> = { refused: "red", admitted: "green", watchdog: "yellow", "hand-off": "magenta", retirement: "magenta", verify: "green", tamper: "red", grant: "green", leaders: "cyan", heartbeat: "dim" };

export class View {
  private readonly start = Date.now();
  private lastTick = 0n;
  constructor(private readonly colour: boolean) {}

  private paint(text: string, colour: keyof typeof colours): string {
    return this.colour ? `${colours[colour]}${text}${colours.reset}` : text;
  }

  private stamp(): string {
    return this.paint(`${((Date.now() - this.start) / 1000).toFixed(1).padStart(5)}s`, "dim") + this.paint(` t${String(this.lastTick).padStart(3, "0")}`, "dim");
  }

  section(name: string, what: string): void {
    process.stdout.write(`\n${this.paint(`▌ ${name}`, "bold")}  ${what}\n`);
  }

  line(tag: string, text: string): void {
    process.stdout.write(`${this.stamp()}  ${this.paint(tag.padEnd(10), tagColour[tag] ?? "cyan")} ${text}\n`);
  }

  tick(seq: bigint): void {
    this.lastTick = seq;
  }

  fail(message: string): void {
    process.stderr.write(`${this.paint("demo failed:", "red")} ${message}\n`);
  }

  summary(checks: readonly [string, boolean][], elapsedMs: number, counts: Record<string, bigint | number>): void {
    process.stdout.write(`\n${this.paint("▌ summary", "bold")}  ${(elapsedMs / 1000).toFixed(1)} s, ${Object.entries(counts).map(([k, v]) => `${v} ${k}`).join(", ")}\n`);
    for (const [what, ok] of checks) process.stdout.write(`  ${ok ? this.paint("✓", "green") : this.paint("✗", "red")} ${what}\n`);
    const failed = checks.filter(([, ok]) => !ok).length;
    process.stdout.write(failed === 0 ? `\n${this.paint("every step of the prophet scenario happened", "green")}\n` : `\n${this.paint(`${failed} step(s) did not happen`, "red")}\n`);
  }
}
