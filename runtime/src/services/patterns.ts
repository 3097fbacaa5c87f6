// The sustainability patterns' run-time halves (spec 06): the watchdog's per-window verdicts and
// retire-after count (pattern X), successor choice by policy (pattern E), the retirement marker,
// and the heartbeat entry (pattern Z). Pure functions and a small counter: the agents that use
// them decide where the numbers come from.
/** The verdicts of std's `AbandonmentVerdict`. */
export type AbandonmentVerdictKind = "Active" | "AtRisk" | "Abandoned";
import { codecs, type AgentHeartbeatBody, type AlmanacRange, type ComponentRef, type EvidencePointer, type RetirementMarker, type RetirementReason } from "./std-types.js";
import type { Append } from "./chronicle.js";

/**
 * One window's verdict on an agent: Active while anyone subscribes *and* something downstream
 * cites it, AtRisk when only one of the two holds, Abandoned when neither does.
 */
export function judgeWindow(subscriptions: number, downstreamCommits: number): AbandonmentVerdictKind {
  if (subscriptions > 0 && downstreamCommits > 0) return "Active";
  if (subscriptions > 0 || downstreamCommits > 0) return "AtRisk";
  return "Abandoned";
}

export interface WindowReport {
  readonly agent: Uint8Array;
  readonly window: AlmanacRange;
  readonly subscription_count: number;
  readonly downstream_commit_count: number;
  readonly verdict: { readonly kind: AbandonmentVerdictKind };
}

/** Pattern X: a watchdog's verdicts on one agent, and when `retireAfter` consecutive Abandoned say it should retire. */
export class Watchdog {
  private consecutive = 0;
  constructor(
    readonly agent: Uint8Array,
    readonly retireAfter: number,
  ) {
    if (!Number.isInteger(retireAfter) || retireAfter < 1) throw new RangeError("retire_after is a positive count of windows");
  }

  /** Judges a window; `retire` turns true on the `retireAfter`-th Abandoned in a row. */
  observe(window: AlmanacRange, subscriptions: number, downstreamCommits: number): { readonly report: WindowReport; readonly retire: boolean; readonly streak: number } {
    const verdict = judgeWindow(subscriptions, downstreamCommits);
    this.consecutive = verdict === "Abandoned" ? this.consecutive + 1 : 0;
    return {
      report: { agent: this.agent, window, subscription_count: subscriptions, downstream_commit_count: downstreamCommits, verdict: { kind: verdict } },
      retire: this.consecutive === this.retireAfter,
      streak: this.consecutive,
    };
  }
}

/** A successor policy as the bindings decode `AgentContent.successor_policy`. */
export type SuccessorPolicy = { readonly kind: "None" } | { readonly kind: "Named"; readonly successor: ComponentRef } | { readonly kind: "HandOffToReputationLeader" };

export interface Candidate {
  readonly ref: ComponentRef;
  /** The candidate's latest reputation score (as a number), if it has one. */
  readonly score: number | undefined;
}

/**
 * Pattern E: who takes over. `None` names no one; `Named` its successor; `HandOffToReputationLeader`
 * the candidate (other than the retiring agent) with the best latest score — ties to the lower
 * stable id, so every member choosing from the same cards chooses alike; unscored candidates never.
 */
export function chooseSuccessor(policy: SuccessorPolicy, retiring: Uint8Array, candidates: readonly Candidate[]): ComponentRef | undefined {
  if (policy.kind === "None") return undefined;
  if (policy.kind === "Named") return policy.successor;
  const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
  const eligible = candidates.filter((c) => c.score !== undefined && hex(c.ref.stable_id) !== hex(retiring));
  eligible.sort((a, b) => b.score! - a.score! || (hex(a.ref.stable_id) < hex(b.ref.stable_id) ? -1 : 1));
  return eligible[0]?.ref;
}

/** The marker a retiring agent publishes (and the Chronicle and Atlas record). */
export function retirementMarker(retiring: ComponentRef, replacement: ComponentRef | undefined, reason: RetirementReason, at: bigint, evidence: readonly EvidencePointer[]): RetirementMarker {
  return { retiring, ...(replacement === undefined ? {} : { replacement }), reason, at, evidence };
}

/** Pattern Z: an `agent-heartbeat` Chronicle entry. */
export function heartbeatEntry(body: AgentHeartbeatBody): Append {
  return { kind: "Other", tag: "agent-heartbeat", body: codecs.AgentHeartbeatBody.encode(body) };
}

/** A retirement as a Chronicle entry. */
export function retirementEntry(marker: RetirementMarker): Append {
  return { kind: "Retirement", tag: "retirement-marker", body: codecs.RetirementMarker.encode(marker), evidence: marker.evidence };
}
