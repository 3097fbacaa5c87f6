// One-line descriptions of entries, messages and Readys, in the style of etcd raft's test output
// (`1->2 MsgApp Term:1 Log:1/3 Commit:3 Entries:[1/4 EntryNormal "foo"]`): for logs, traces and
// the scripted scenarios. Deterministic, so they can be compared as text.
import { decodeConfChange, RaftDecodeError } from "./codec.js";
import { describeConfChange } from "./confchange.js";
import { describeRole } from "./raft.js";
import type { Ready } from "./raw-node.js";
import type { ConfState, Entry, HardState, Message, Snapshot, SoftState } from "./types.js";

const utf8 = new TextDecoder("utf-8", { fatal: true });

/** Printable UTF-8 as a quoted string, anything else as hex. */
export function describeBytes(bytes: Uint8Array): string {
  try {
    const text = utf8.decode(bytes);
    if (/^[\x20-\x7e]*$/.test(text)) return JSON.stringify(text);
  } catch {
    // not UTF-8: hex below
  }
  return "0x" + Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

export function describeEntry(entry: Entry): string {
  if (entry.type === "conf-change") {
    let change: string;
    try {
      change = describeConfChange(decodeConfChange(entry.data));
    } catch (error) {
      if (!(error instanceof RaftDecodeError)) throw error;
      change = `<malformed: ${error.reason}>`;
    }
    return `${entry.term}/${entry.index} EntryConfChange ${change}`;
  }
  return `${entry.term}/${entry.index} EntryNormal ${describeBytes(entry.data)}`;
}

export function describeEntries(entries: readonly Entry[]): string {
  return `[${entries.map(describeEntry).join(", ")}]`;
}

export function describeConfState(confState: ConfState): string {
  return `Voters:[${confState.voters.join(" ")}] Learners:[${confState.learners.join(" ")}]`;
}

export function describeSnapshot(snapshot: Snapshot): string {
  const { index, term, confState } = snapshot.metadata;
  return `Index:${index} Term:${term} ConfState:${describeConfState(confState)}`;
}

export function describeHardState(hardState: HardState): string {
  return `Term:${hardState.term} Vote:${hardState.vote ?? "0"} Commit:${hardState.commit}`;
}

export function describeSoftState(softState: SoftState): string {
  return `Lead:${softState.lead ?? "0"} State:${describeRole(softState.role)}`;
}

export function describeMessage(m: Message): string {
  const head = `${m.from}->${m.to} ${m.type} Term:${m.term}`;
  const context = (bytes: Uint8Array) => (bytes.length > 0 ? ` Context:${describeBytes(bytes)}` : "");
  switch (m.type) {
    case "MsgApp":
      return `${head} Log:${m.logTerm}/${m.index} Commit:${m.commit}` + (m.entries.length > 0 ? ` Entries:${describeEntries(m.entries)}` : "");
    case "MsgAppResp":
      return `${head} Log:${m.logTerm}/${m.index}` + (m.reject ? ` Rejected (Hint: ${m.rejectHint})` : "");
    case "MsgVote":
    case "MsgPreVote":
      return `${head} Log:${m.logTerm}/${m.index}` + (m.transfer ? " Transfer" : "");
    case "MsgVoteResp":
    case "MsgPreVoteResp":
      return head + (m.reject ? " Rejected" : "");
    case "MsgSnap":
      return `${head} Snapshot: ${describeSnapshot(m.snapshot)}`;
    case "MsgHeartbeat":
      return `${head} Commit:${m.commit}` + context(m.context);
    case "MsgHeartbeatResp":
      return head + context(m.context);
    case "MsgProp":
      return `${head} Entries:${describeEntries(m.entries)}`;
    case "MsgReadIndex":
      return head + context(m.context);
    case "MsgReadIndexResp":
      return `${head} Index:${m.index}` + context(m.context);
    case "MsgTransferLeader":
      return `${head} Transferee:${m.transferee}`;
    case "MsgTimeoutNow":
      return head;
  }
}

/** A Ready as lines (no trailing newline). */
export function describeReady(ready: Ready): string[] {
  const lines = [`Ready MustSync=${ready.mustSync}:`];
  if (ready.softState !== undefined) lines.push(describeSoftState(ready.softState));
  if (ready.hardState !== undefined) lines.push(`HardState ${describeHardState(ready.hardState)}`);
  if (ready.snapshot !== undefined) lines.push(`Snapshot ${describeSnapshot(ready.snapshot)}`);
  if (ready.entries.length > 0) lines.push("Entries:", ...ready.entries.map(describeEntry));
  if (ready.committedEntries.length > 0) lines.push("CommittedEntries:", ...ready.committedEntries.map(describeEntry));
  if (ready.messages.length > 0) lines.push("Messages:", ...ready.messages.map(describeMessage));
  if (ready.readStates.length > 0) lines.push("ReadStates:", ...ready.readStates.map((rs) => `Index:${rs.index} Context:${describeBytes(rs.context)}`));
  return lines;
}
