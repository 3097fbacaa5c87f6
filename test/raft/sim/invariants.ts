// Raft's safety properties (Raft paper, figure 3) and the durability rules of the Ready contract,
// checked as the simulation runs. Each check is incremental — it looks at what a step changed
// (an entry reaching disk, an entry applied, a message sent, a restart, the leaders of the moment)
// against what the whole run has seen so far — so it can run after every step.
import type { Entry, HardState, Message, NodeId } from "@coal/runtime/raft";

export type InvariantName =
  | "election-safety"
  | "log-matching"
  | "leader-completeness"
  | "state-machine-safety"
  | "acknowledged-write-lost"
  | "vote-durability"
  | "term-durability"
  | "convergence"
  | "linearizability"
  | "core-assertion";

export class InvariantViolation extends Error {
  override readonly name = "InvariantViolation";
  constructor(
    readonly invariant: InvariantName,
    message: string,
  ) {
    super(`${invariant}: ${message}`);
  }
}

/** What a leader's log is asked about: its range and the term at an index. */
export interface LeaderView {
  readonly id: NodeId;
  readonly term: number;
  readonly firstIndex: number;
  readonly lastIndex: number;
  termAt(index: number): number;
}

export class Invariants {
  /** Violations of invariants switched off (to show that another check catches a bug), counted. */
  readonly ignoredViolations = new Map<InvariantName, number>();

  constructor(private readonly unchecked: ReadonlySet<InvariantName> = new Set()) {}

  /** Throws, unless this invariant is switched off. */
  violated(invariant: InvariantName, message: string): void {
    if (!this.unchecked.has(invariant)) throw new InvariantViolation(invariant, message);
    this.ignoredViolations.set(invariant, (this.ignoredViolations.get(invariant) ?? 0) + 1);
  }

  /** Election safety: the one leader of each term, from its role and from what it sent. */
  private readonly leaderOfTerm = new Map<number, NodeId>();

  /** Log matching: for each (index, term) on any disk, the entry and the term before it. */
  private readonly onDisk = new Map<string, { readonly key: string; readonly previousTerm: number; readonly node: NodeId }>();

  /** State-machine safety: per index, the entry applied there and the chain after it. */
  private readonly appliedKey: string[] = [];
  private readonly appliedTerm: number[] = [];
  private readonly appliedChain: string[] = [];
  /** Serialized state of every snapshot taken, by index. */
  private readonly snapshotState = new Map<number, string>();

  /**
   * Leader completeness: the highest commit index any node held while at each term, as
   * [term, commit] in term order. An index committed while some node was at term T was committed
   * by a leader of a term ≤ T, so every leader of a later term must hold it.
   */
  private readonly commitByTerm: [number, number][] = [];
  /** Per leader (id and term): how far its log has been checked against committed entries. */
  private readonly leaderChecked = new Map<NodeId, { term: number; checked: number }>();

  /** Vote durability: the candidate each node granted its vote to, per term, over all its lives. */
  private readonly votes = new Map<NodeId, Map<number, NodeId>>();
  private readonly highestTermSent = new Map<NodeId, number>();

  /**
   * Writes: the index where each (client, seq) took effect, and those acknowledged to their
   * client — checked against the final applied sequence once the cluster has converged.
   */
  readonly effectiveAt = new Map<string, number>();
  readonly acknowledged = new Set<string>();

  /** The entry at index 1 every initial node starts from (the bootstrap snapshot). */
  bootstrap(index: number, term: number, chain: string, state: string): void {
    this.appliedKey[index] = "bootstrap";
    this.appliedTerm[index] = term;
    this.appliedChain[index] = chain;
    this.snapshotState.set(index, state);
    this.observeCommit(term, index);
  }

  // ─── election safety ───────────────────────────────────────────────────────────────────────

  leaderObserved(id: NodeId, term: number, how: string): void {
    const known = this.leaderOfTerm.get(term);
    if (known === undefined) this.leaderOfTerm.set(term, id);
    else if (known !== id) this.violated("election-safety", `${id} acts as leader of term ${term} (${how}), but ${known} led that term`);
  }

  // ─── log matching ──────────────────────────────────────────────────────────────────────────

  /** An entry reached `node`'s disk, after an entry of `previousTerm`. */
  entryOnDisk(node: NodeId, entry: Entry, key: string, previousTerm: number): void {
    const at = `${entry.index}/${entry.term}`;
    const seen = this.onDisk.get(at);
    if (seen === undefined) {
      this.onDisk.set(at, { key, previousTerm, node });
      return;
    }
    if (seen.key !== key) this.violated("log-matching", `entry ${at} on ${node}'s disk is ${key}, on ${seen.node}'s it was ${seen.key}`);
    if (seen.previousTerm !== previousTerm) {
      this.violated("log-matching", `entry ${at} follows an entry of term ${previousTerm} on ${node}'s disk, of term ${seen.previousTerm} on ${seen.node}'s`);
    }
  }

  // ─── state-machine safety ──────────────────────────────────────────────────────────────────

  /** `node`, at `term`, applied `entry` (`key`), its applied chain now `chain`. */
  applied(node: NodeId, term: number, entry: Entry, key: string, chain: string): void {
    const index = entry.index;
    const known = this.appliedKey[index];
    if (known === undefined) {
      this.appliedKey[index] = key;
      this.appliedTerm[index] = entry.term;
      this.appliedChain[index] = chain;
    } else if (known !== key) {
      this.violated("state-machine-safety", `${node} applied ${key} at index ${index}, where ${known} was applied before`);
    } else if (this.appliedChain[index] !== chain) {
      this.violated("state-machine-safety", `${node} applied ${key} at index ${index} after a different sequence of entries (chain ${chain} ≠ ${this.appliedChain[index]})`);
    }
    this.observeCommit(term, index);
  }

  /** A node snapshotted its state at `index` (serialized as `state`). */
  snapshotTaken(node: NodeId, index: number, chain: string, state: string): void {
    this.checkChain(node, index, chain, "snapshotted");
    const known = this.snapshotState.get(index);
    if (known === undefined) this.snapshotState.set(index, state);
    else if (known !== state) this.violated("state-machine-safety", `${node}'s state at index ${index} differs from another node's snapshot there`);
  }

  /** A node restored its state machine from a snapshot at `index`. */
  snapshotRestored(node: NodeId, index: number, chain: string, state: string): void {
    this.checkChain(node, index, chain, "restored a snapshot");
    const known = this.snapshotState.get(index);
    if (known === undefined) this.violated("state-machine-safety", `${node} restored a snapshot at index ${index} that no node took`);
    if (known !== state) this.violated("state-machine-safety", `${node} restored a snapshot at index ${index} that differs from the state taken there`);
  }

  private checkChain(node: NodeId, index: number, chain: string, what: string): void {
    const known = this.appliedChain[index];
    if (known !== undefined && known !== chain)
      this.violated("state-machine-safety", `${node} ${what} at index ${index} with a different applied sequence (chain ${chain} ≠ ${known})`);
  }

  chainAt(index: number): string | undefined {
    return this.appliedChain[index];
  }

  // ─── writes ────────────────────────────────────────────────────────────────────────────────

  writeTookEffect(id: string, index: number): void {
    const known = this.effectiveAt.get(id);
    if (known !== undefined && known !== index) this.violated("state-machine-safety", `write ${id} took effect at index ${index} and at ${known}`);
    this.effectiveAt.set(id, index);
  }

  // ─── leader completeness ───────────────────────────────────────────────────────────────────

  /** Some node at `term` holds `commit` as committed. */
  observeCommit(term: number, commit: number): void {
    const list = this.commitByTerm;
    let at = list.length;
    while (at > 0 && list[at - 1]![0] > term) at--;
    const previous = list[at - 1];
    if (previous !== undefined && previous[0] === term) {
      if (commit > previous[1]) previous[1] = commit;
    } else {
      list.splice(at, 0, [term, commit]);
    }
  }

  /** The smallest term at which some node held `index` as committed (Infinity: not yet). */
  private committedAtTerm(index: number): number {
    for (const [term, commit] of this.commitByTerm) if (commit >= index) return term;
    return Infinity;
  }

  /** Every entry committed by an earlier term's leader is in this leader's log, at its term. */
  checkLeader(leader: LeaderView): void {
    this.leaderObserved(leader.id, leader.term, "role");
    let cursor = this.leaderChecked.get(leader.id);
    if (cursor === undefined || cursor.term !== leader.term) {
      cursor = { term: leader.term, checked: 0 };
      this.leaderChecked.set(leader.id, cursor);
    }
    let index = Math.max(cursor.checked + 1, leader.firstIndex);
    for (; index < this.appliedTerm.length; index++) {
      const term = this.appliedTerm[index];
      if (term === undefined || this.committedAtTerm(index) >= leader.term) break;
      if (index > leader.lastIndex) {
        this.violated(
          "leader-completeness",
          `${leader.id} leads term ${leader.term} with a log ending at ${leader.lastIndex}, without entry ${index} (term ${term}) committed in an earlier term`,
        );
        break;
      }
      const held = leader.termAt(index);
      if (held !== term)
        this.violated("leader-completeness", `${leader.id} leads term ${leader.term} with entry ${index} of term ${held}; the committed entry there is of term ${term}`);
    }
    cursor.checked = index - 1;
  }

  // ─── vote and term durability ──────────────────────────────────────────────────────────────

  /** `node` sends `message`; `disk` is its hard state as fsynced. */
  sent(node: NodeId, message: Message, disk: HardState): void {
    switch (message.type) {
      case "MsgApp":
      case "MsgHeartbeat":
      case "MsgSnap":
      case "MsgTimeoutNow":
      case "MsgReadIndexResp":
        this.leaderObserved(node, message.term, message.type);
        break;
      case "MsgVoteResp": {
        if (message.reject) break;
        let granted = this.votes.get(node);
        if (granted === undefined) this.votes.set(node, (granted = new Map()));
        const earlier = granted.get(message.term);
        if (earlier !== undefined && earlier !== message.to) this.violated("vote-durability", `${node} voted for ${earlier} and for ${message.to} in term ${message.term}`);
        granted.set(message.term, message.to);
        if (disk.term < message.term || (disk.term === message.term && disk.vote !== message.to)) {
          this.violated("vote-durability", `${node} granted its vote to ${message.to} in term ${message.term} with term ${disk.term}, vote ${disk.vote ?? "-"} on disk`);
        }
        break;
      }
      default:
        break;
    }
    // A pre-vote asks at a future term, and a granted pre-vote echoes it: neither is this node's.
    const ownTerm = message.type !== "MsgPreVote" && !(message.type === "MsgPreVoteResp" && !message.reject);
    if (ownTerm && message.term > 0) {
      if (disk.term < message.term) this.violated("term-durability", `${node} sent ${message.type} at term ${message.term} with term ${disk.term} on disk`);
      if (message.term > (this.highestTermSent.get(node) ?? 0)) this.highestTermSent.set(node, message.term);
    }
  }

  /** `node` restarts from `hardState`: it must remember every term it spoke in and every vote it gave. */
  restarted(node: NodeId, hardState: HardState): void {
    const spoken = this.highestTermSent.get(node) ?? 0;
    if (hardState.term < spoken) this.violated("term-durability", `${node} restarts at term ${hardState.term} after sending messages at term ${spoken}`);
    const granted = this.votes.get(node);
    if (granted === undefined) return;
    const candidate = granted.get(hardState.term);
    if (candidate !== undefined && hardState.vote !== candidate) {
      this.violated("vote-durability", `${node} restarts at term ${hardState.term} with vote ${hardState.vote ?? "-"}, after voting for ${candidate} in that term`);
    }
  }
}
