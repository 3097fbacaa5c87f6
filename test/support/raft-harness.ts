// Scripted Raft scenarios, in the style of etcd raft's datadriven interaction tests: a cluster of
// `RawNode`s driven by text commands (add-nodes, campaign, propose, process-ready, deliver-msgs,
// stabilize, tick-election, isolate, compact, …), each printing what happened — Readys, messages,
// the core's log lines — as deterministic text a scenario file holds as its expected output.
//
// Commands (ids are node ids; "<ids>" means some, or every node when none are given):
//   add-nodes <n> [voters=(1,2,3)] [learners=(4)] [index=<i>] [content=(a,b)] [prevote=true]
//             [checkquorum=true] [election=10] [heartbeat=1] [max-inflight=256]
//             [max-msg-bytes=<n>] [max-uncommitted-bytes=<n>]
//   campaign <id> · propose <id> <data> · propose-conf-change <id> v<id>|l<id>|r<id>
//   read-index <id> <context> · transfer-leadership from=<id> to=<id>
//   process-ready <ids> · deliver-msgs <ids> · drop-msgs <ids> · stabilize <ids>
//   tick <id> <n> · tick-heartbeat <ids> · tick-election <ids>
//   isolate <ids> · partition (1,2) (3) · heal · restart <id> (crash: unpersisted state is lost)
//   compact <id> <index> · report-unreachable <leader> <id> · report-snapshot <leader> <id> failed|delivered
//   raft-state · raft-log <id> · status <id> · applied <ids> · log-level debug|info|warn|none
// Messages crossing a cut link are lost when sent (counted under the Ready) or, if sent before
// the cut, when delivered (DROPPED).
//
// Each node plays its own driver faithfully: a Ready is persisted to its MemoryStorage, its
// messages queued on the network, its committed entries applied (a state machine that records
// the data of normal entries; conf changes go through `applyConfChange`), then advanced.
import {
  MemoryStorage,
  RawNode,
  decodeConfChange,
  describeEntry,
  describeMessage,
  describeReady,
  seededRandom,
  type ConfChange,
  type ConfState,
  type LogLevel,
  type Message,
  type NodeId,
  type RawNodeConfig,
  type Snapshot,
} from "@coal/runtime/raft";

/** One command of a scenario file and the output it produced (or is expected to). */
export interface ScenarioBlock {
  /** Comment and blank lines before the command, kept as they are. */
  readonly preamble: readonly string[];
  readonly command: string;
  readonly output: string;
}

/**
 * Parses a scenario: `command` lines, each followed by `----` and the expected output up to a
 * blank line. Lines starting with `#` (and blank lines) between blocks are comments.
 */
export function parseScenario(text: string): ScenarioBlock[] {
  const lines = text.split("\n");
  const blocks: ScenarioBlock[] = [];
  let preamble: string[] = [];
  let at = 0;
  while (at < lines.length) {
    const line = lines[at]!;
    if (line.trim() === "" || line.startsWith("#")) {
      preamble.push(line);
      at++;
      continue;
    }
    const command = line;
    at++;
    if (lines[at] !== "----") throw new Error(`line ${at + 1}: expected ---- after the command ${JSON.stringify(command)}`);
    at++;
    const output: string[] = [];
    while (at < lines.length && lines[at] !== "") output.push(lines[at++]!);
    at++; // the blank line ending the block
    blocks.push({ preamble, command, output: output.join("\n") });
    preamble = [];
  }
  // Trailing comments (after the last block) are dropped by design: a file ends with a block.
  return blocks;
}

/** The text of a scenario file holding `blocks`. */
export function printScenario(blocks: readonly ScenarioBlock[]): string {
  return blocks.map((block) => [...block.preamble, block.command, "----", block.output, ""].join("\n") + "\n").join("");
}

/** Runs a scenario's commands in order on a fresh cluster; the blocks with the actual output. */
export function runScenario(blocks: readonly ScenarioBlock[]): ScenarioBlock[] {
  const env = new RaftEnvironment();
  return blocks.map((block) => ({ ...block, output: env.run(block.command) }));
}

// ─── commands ────────────────────────────────────────────────────────────────────────────────

interface Command {
  readonly name: string;
  readonly positional: readonly string[];
  readonly named: ReadonlyMap<string, string>;
}

/** `name a b key=value key=(x,y z)`: parenthesised values may hold spaces and commas. */
function parseCommand(line: string): Command {
  const tokens: string[] = [];
  let current = "";
  let depth = 0;
  for (const char of line.trim()) {
    if (char === "(") depth++;
    if (char === ")") depth--;
    if (char === " " && depth === 0) {
      if (current !== "") tokens.push(current);
      current = "";
    } else {
      current += char;
    }
  }
  if (current !== "") tokens.push(current);
  const [name, ...rest] = tokens;
  const positional: string[] = [];
  const named = new Map<string, string>();
  for (const token of rest) {
    const eq = token.indexOf("=");
    if (eq > 0 && !token.startsWith("(")) named.set(token.slice(0, eq), token.slice(eq + 1));
    else positional.push(token);
  }
  return { name: name ?? "", positional, named };
}

/** `(1,2 3)` → ["1", "2", "3"]. */
function parseList(value: string | undefined): string[] {
  if (value === undefined) return [];
  return value
    .replace(/^\(/, "")
    .replace(/\)$/, "")
    .split(/[ ,]+/)
    .filter((item) => item !== "");
}

function parseBool(value: string | undefined, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (value === "true") return true;
  if (value === "false") return false;
  throw new Error(`expected true or false, not ${value}`);
}

function parseNumber(value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const parsed = Number(value);
  if (!Number.isFinite(parsed)) throw new Error(`expected a number, not ${value}`);
  return parsed;
}

const text = new TextEncoder();
const untext = new TextDecoder();

// ─── the cluster ─────────────────────────────────────────────────────────────────────────────

interface AppliedState {
  readonly index: number;
  readonly confState: ConfState;
  /** The data of every non-empty normal entry applied, in order. */
  readonly data: readonly string[];
}

class HarnessNode {
  raw: RawNode;
  /** The state after each applied index, so `compact` can snapshot at any of them. */
  history: AppliedState[];

  constructor(
    readonly id: NodeId,
    readonly storage: MemoryStorage,
    readonly config: RawNodeConfig,
    initial: AppliedState,
  ) {
    this.raw = new RawNode(config);
    this.history = [initial];
  }

  get state(): AppliedState {
    return this.history[this.history.length - 1]!;
  }
}

const levelNames: Record<LogLevel, string> = { debug: "DEBUG", info: "INFO", warn: "WARN" };
const levelOrder: Record<LogLevel | "none", number> = { debug: 0, info: 1, warn: 2, none: 3 };

export class RaftEnvironment {
  private readonly nodes = new Map<NodeId, HarnessNode>();
  /** Messages sent and not yet delivered or dropped, in send order. */
  private queue: Message[] = [];
  /** Cut links, as "a|b" with a < b. */
  private readonly cuts = new Set<string>();
  private output: string[] = [];
  private indent = "";
  private logLevel: LogLevel | "none" = "info";

  /** Runs one command line; its output (never empty: "ok" when silent). */
  run(line: string): string {
    this.output = [];
    this.indent = "";
    try {
      this.dispatch(parseCommand(line));
    } catch (error) {
      this.print(`error: ${error instanceof Error ? error.message : String(error)}`);
    }
    return this.output.length === 0 ? "ok" : this.output.join("\n");
  }

  private dispatch(command: Command): void {
    const { name, positional, named } = command;
    switch (name) {
      case "add-nodes":
        return this.addNodes(parseNumber(positional[0], 1), named);
      case "campaign":
        return this.node(positional[0]).raw.campaign();
      case "propose":
        return this.printRefusal(this.node(positional[0]).raw.propose(text.encode(positional[1] ?? "")));
      case "propose-conf-change":
        return this.printRefusal(this.node(positional[0]).raw.proposeConfChange(parseConfChange(positional[1] ?? "")));
      case "read-index":
        return this.printRefusal(this.node(positional[0]).raw.readIndex(text.encode(positional[1] ?? "")));
      case "transfer-leadership":
        return this.printRefusal(this.node(named.get("from")).raw.transferLeadership(named.get("to") ?? ""));
      case "process-ready":
        for (const id of this.ids(positional)) this.processReady(this.node(id));
        return;
      case "deliver-msgs":
        for (const id of this.ids(positional)) this.deliver(id);
        return;
      case "drop-msgs":
        return this.dropMessages(this.ids(positional));
      case "stabilize":
        return this.stabilize(this.ids(positional));
      case "tick":
        return this.tick(positional[0], parseNumber(positional[1], 1));
      case "tick-heartbeat":
        for (const id of positional) this.tick(id, this.node(id).config.heartbeatIntervalTicks);
        return;
      case "tick-election":
        for (const id of positional) this.tick(id, this.node(id).config.electionTimeoutTicks);
        return;
      case "raft-state":
        return this.raftState();
      case "raft-log":
        return this.raftLog(this.node(positional[0]));
      case "status":
        return this.status(this.node(positional[0]));
      case "applied":
        for (const id of this.ids(positional)) this.print(`${id}: [${this.node(id).state.data.join(" ")}] at ${this.node(id).state.index}`);
        return;
      case "compact":
        return this.compact(this.node(positional[0]), parseNumber(positional[1], 0));
      case "isolate":
        for (const id of positional) for (const other of this.nodes.keys()) if (other !== id) this.cuts.add(linkKey(id, other));
        return;
      case "partition": {
        const groups = positional.map(parseList);
        for (const [i, group] of groups.entries()) for (const other of groups.slice(i + 1)) for (const a of group) for (const b of other) this.cuts.add(linkKey(a, b));
        return;
      }
      case "heal":
        this.cuts.clear();
        return;
      case "restart":
        return this.restart(this.node(positional[0]));
      case "report-unreachable":
        return this.node(positional[0]).raw.reportUnreachable(positional[1] ?? "");
      case "report-snapshot":
        return this.node(positional[0]).raw.reportSnapshot(positional[1] ?? "", positional[2] === "failed" ? "failed" : "delivered");
      case "log-level": {
        const level = positional[0];
        if (level !== "debug" && level !== "info" && level !== "warn" && level !== "none") throw new Error(`unknown log level ${level}`);
        this.logLevel = level;
        return;
      }
      default:
        throw new Error(`unknown command ${name}`);
    }
  }

  private node(id: string | undefined): HarnessNode {
    const node = id === undefined ? undefined : this.nodes.get(id);
    if (node === undefined) throw new Error(`no node ${id}`);
    return node;
  }

  /** The ids listed, or every node when none are. */
  private ids(listed: readonly string[]): NodeId[] {
    return listed.length === 0 ? [...this.nodes.keys()] : [...listed];
  }

  private print(line: string): void {
    this.output.push(this.indent + line);
  }

  private printRefusal(refusal: string | undefined): void {
    if (refusal !== undefined) this.print(`refused: ${refusal}`);
  }

  private logger(level: LogLevel, line: string): void {
    if (levelOrder[level] >= levelOrder[this.logLevel]) this.print(`${levelNames[level]} ${line}`);
  }

  private addNodes(count: number, named: ReadonlyMap<string, string>): void {
    const voters = parseList(named.get("voters"));
    const learners = parseList(named.get("learners"));
    const index = parseNumber(named.get("index"), 0);
    for (let n = 0; n < count; n++) {
      const id = String(this.nodes.size + 1);
      const confState: ConfState = { voters, learners };
      // With index=N: a snapshot at N (term 1) holding the configuration. Without: the
      // configuration as of index 0 — or, with no voters either, a node joining an existing
      // cluster: empty, knowing nothing until the leader sends it a snapshot.
      const storage = new MemoryStorage(index === 0 && voters.length + learners.length > 0 ? { confState } : {});
      let data: readonly string[] = [];
      if (index > 0) {
        data = parseList(named.get("content"));
        storage.applySnapshot({ metadata: { index, term: 1, confState }, data: text.encode(JSON.stringify(data)) });
      }
      const config: RawNodeConfig = {
        id,
        storage,
        applied: index,
        electionTimeoutTicks: parseNumber(named.get("election"), 10),
        heartbeatIntervalTicks: parseNumber(named.get("heartbeat"), 1),
        // The same seed per id on every run: elections replay exactly.
        randomInt: seededRandom(Number(id)),
        preVote: parseBool(named.get("prevote"), true),
        checkQuorum: parseBool(named.get("checkquorum"), true),
        maxInflightMessages: parseNumber(named.get("max-inflight"), 256),
        maxMessageBytes: parseNumber(named.get("max-msg-bytes"), 1024 * 1024),
        maxUncommittedBytes: parseNumber(named.get("max-uncommitted-bytes"), Infinity),
        logger: (level, line) => this.logger(level, line),
      };
      this.nodes.set(id, new HarnessNode(id, storage, config, { index, confState, data }));
    }
  }

  /** Handles one Ready as a driver must: persist, send, apply, advance. */
  private processReady(node: HarnessNode): void {
    this.print(`> ${node.id} handling Ready`);
    const previous = this.indent;
    this.indent += "  ";
    try {
      if (!node.raw.hasReady()) {
        this.print("<empty Ready>");
        return;
      }
      const ready = node.raw.ready();
      for (const line of describeReady(ready)) this.print(line);
      // 1. persist
      if (ready.snapshot !== undefined) node.storage.applySnapshot(ready.snapshot);
      node.storage.append(ready.entries);
      if (ready.hardState !== undefined) node.storage.setHardState(ready.hardState);
      // 2. send (what crosses a cut link is lost at once)
      const lost = ready.messages.filter((m) => this.cuts.has(linkKey(m.from, m.to)));
      this.queue.push(...ready.messages.filter((m) => !this.cuts.has(linkKey(m.from, m.to))));
      if (lost.length > 0) this.print(`(${lost.length} ${lost.length === 1 ? "message" : "messages"} lost: partitioned)`);
      // 3. apply
      if (ready.snapshot !== undefined) node.history = [snapshotState(ready.snapshot)];
      for (const entry of ready.committedEntries) {
        let { confState, data } = node.state;
        if (entry.type === "conf-change") {
          confState = node.raw.applyConfChange(decodeConfChange(entry.data));
        } else if (entry.data.length > 0) {
          data = [...data, untext.decode(entry.data)];
        }
        node.history.push({ index: entry.index, confState, data });
      }
      // 4. advance
      node.raw.advance();
    } finally {
      this.indent = previous;
    }
  }

  private deliver(id: NodeId): void {
    const mine = this.queue.filter((m) => m.to === id);
    if (mine.length === 0) return;
    this.queue = this.queue.filter((m) => m.to !== id);
    this.print(`> ${id} receiving messages`);
    const previous = this.indent;
    this.indent += "  ";
    try {
      for (const [at, message] of mine.entries()) {
        if (this.cuts.has(linkKey(message.from, message.to))) {
          // Runs of the same lost message (a cut-off leader's heartbeats) print once.
          const line = `${describeMessage(message)} DROPPED (partitioned)`;
          let run = 1;
          while (at + run < mine.length && describeMessage(mine[at + run]!) === describeMessage(message)) run++;
          if (at > 0 && describeMessage(mine[at - 1]!) === describeMessage(message)) continue;
          this.print(run > 1 ? `${line} ×${run}` : line);
          continue;
        }
        const node = this.nodes.get(id);
        if (node === undefined) {
          this.print(`${describeMessage(message)} DROPPED (no such node)`);
          continue;
        }
        this.print(describeMessage(message));
        const refusal = node.raw.step(message);
        if (refusal !== undefined) this.print(`refused: ${refusal}`);
      }
    } finally {
      this.indent = previous;
    }
  }

  private dropMessages(ids: readonly NodeId[]): void {
    const dropped = this.queue.filter((m) => ids.includes(m.to));
    this.queue = this.queue.filter((m) => !ids.includes(m.to));
    for (const message of dropped) this.print(`dropped: ${describeMessage(message)}`);
  }

  private stabilize(ids: readonly NodeId[]): void {
    for (let round = 0; ; round++) {
      if (round > 1000) throw new Error("stabilize did not settle in 1000 rounds");
      let done = true;
      for (const id of ids) {
        const node = this.node(id);
        if (!node.raw.hasReady()) continue;
        done = false;
        this.processReady(node);
      }
      for (const id of ids) {
        if (!this.queue.some((m) => m.to === id)) continue;
        done = false;
        this.deliver(id);
      }
      if (done) return;
    }
  }

  private tick(id: string | undefined, count: number): void {
    const node = this.node(id);
    for (let i = 0; i < count; i++) node.raw.tick();
  }

  private raftState(): void {
    for (const node of this.nodes.values()) {
      const status = node.raw.status();
      const kind = status.config.voters.includes(node.id) ? "Voter" : status.config.learners.includes(node.id) ? "Learner" : "Non-Member";
      const role = { follower: "StateFollower", "pre-candidate": "StatePreCandidate", candidate: "StateCandidate", leader: "StateLeader" }[status.role];
      this.print(`${node.id}: ${role} (${kind}) Term:${status.term} Lead:${status.lead ?? "0"} Commit:${status.commit} Applied:${status.applied}`);
    }
  }

  private raftLog(node: HarnessNode): void {
    const status = node.raw.status();
    const entries = node.raw.logEntries();
    if (entries.length === 0) {
      this.print(`log is empty: first index=${status.firstIndex}, last index=${status.lastIndex}`);
      return;
    }
    for (const entry of entries) this.print(describeEntry(entry));
  }

  private status(node: HarnessNode): void {
    const lines = node.raw.describeProgress();
    if (lines.length === 0) this.print(`${node.id} is not the leader`);
    for (const line of lines) this.print(line);
  }

  /** The application snapshots its state at an applied index and compacts the log up to it. */
  private compact(node: HarnessNode, index: number): void {
    const state = node.history.find((s) => s.index === index);
    if (state === undefined) throw new Error(`node ${node.id} has not applied index ${index} (applied ${node.state.index})`);
    const snapshot = node.storage.createSnapshot(index, state.confState, text.encode(JSON.stringify(state.data)));
    if (typeof snapshot === "string") throw new Error(snapshot);
    const compacted = node.storage.compact(index);
    if (compacted !== undefined) throw new Error(compacted);
    node.history = node.history.filter((s) => s.index >= index);
    this.raftLog(node);
  }

  /**
   * A crash and restart: everything not persisted is lost (unstable entries, a Ready not yet
   * handled); the state machine is rebuilt from the stored snapshot and committed entries are
   * applied again.
   */
  private restart(node: HarnessNode): void {
    const snapshot = node.storage.snapshot();
    const replacement = new HarnessNode(node.id, node.storage, { ...node.config, applied: snapshot.metadata.index }, snapshotState(snapshot));
    this.nodes.set(node.id, replacement);
  }
}

function snapshotState(snapshot: Snapshot): AppliedState {
  const data = snapshot.data.length === 0 ? [] : (JSON.parse(untext.decode(snapshot.data)) as string[]);
  return { index: snapshot.metadata.index, confState: snapshot.metadata.confState, data };
}

function linkKey(a: NodeId, b: NodeId): string {
  return a < b ? `${a}|${b}` : `${b}|${a}`;
}

/** `v4` adds voter 4 (or promotes learner 4), `l4` adds learner 4 (or demotes), `r4` removes 4. */
function parseConfChange(token: string): ConfChange {
  const kind = token[0];
  const nodeId = token.slice(1);
  const type = kind === "v" ? "add-voter" : kind === "l" ? "add-learner" : kind === "r" ? "remove-node" : undefined;
  if (type === undefined || nodeId === "") throw new Error(`bad conf change ${JSON.stringify(token)}: expected v<id>, l<id> or r<id>`);
  return { type, nodeId, context: new Uint8Array(0) };
}
