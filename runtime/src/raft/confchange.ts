// Membership changes, one server at a time (Raft thesis §4.1). A configuration differing from
// the last by at most one voter shares a majority with it, so no two leaders can be elected in
// the same term by the old and new configurations. Three more rules keep that true when changes
// take effect on apply (as here, like etcd) rather than on append:
//   * a leader proposes a change only when every earlier one is applied (`pendingConfIndex`);
//   * a new leader counts its whole log as possibly holding a change (it may not propose one
//     until it has applied up to its election, which needs an entry of its own term committed);
//   * a node with committed but unapplied changes does not campaign.
// Learners replicate and never vote, so adding one, or promoting it once caught up, is how a
// member joins without weakening availability.
//
// A leader removed (or demoted) keeps leading, counted in no quorum and refusing proposals, and
// hands leadership to the most up-to-date voter (raft.ts, `transferToSuccessor`): stepping down
// at once could strand voters that have not yet learned the removal committed and still need
// its vote, which it would refuse if its log is ahead of theirs. One case remains that no
// single-server scheme applied at commit time escapes (etcd's neither): going from two voters
// to one, if the removed node's log is ahead of the remaining voter's and the remaining voter
// never learns the removal committed (the removed node crashed, or the handover was lost and it
// stepped down), the remaining voter waits for a vote that never comes. Shrink to one voter only
// with both voters up to date, or add before removing.
import type { ProgressTracker } from "./tracker.js";
import type { ConfChange, NodeId } from "./types.js";

/** Why a change cannot apply to a configuration. Stable codes, shown in logs. */
export type ConfChangeProblem = "already-a-voter" | "already-a-learner" | "unknown-node" | "would-remove-last-voter" | "empty-node-id";

/** The problem with applying `change` to the configuration `tracker` holds, if any. */
export function checkConfChange(tracker: ProgressTracker, change: ConfChange): ConfChangeProblem | undefined {
  if (change.nodeId === "") return "empty-node-id";
  const progress = tracker.progress(change.nodeId);
  switch (change.type) {
    case "add-voter":
      return progress !== undefined && !progress.isLearner ? "already-a-voter" : undefined;
    case "add-learner":
      if (progress?.isLearner === true) return "already-a-learner";
      // Demoting a voter is a voter removal, so the last voter cannot go.
      if (progress !== undefined && tracker.voters.length === 1) return "would-remove-last-voter";
      return undefined;
    case "remove-node":
      if (progress === undefined) return "unknown-node";
      if (!progress.isLearner && tracker.voters.length === 1) return "would-remove-last-voter";
      return undefined;
  }
}

/**
 * Applies a checked change. A new member's progress starts probing at `lastIndex` (its next
 * append finds the match point); a promoted or demoted member keeps its progress.
 */
export function applyConfChangeTo(tracker: ProgressTracker, change: ConfChange, lastIndex: number): void {
  const id: NodeId = change.nodeId;
  switch (change.type) {
    case "add-voter":
      tracker.setMember(id, false, Math.max(lastIndex, 1));
      return;
    case "add-learner":
      tracker.setMember(id, true, Math.max(lastIndex, 1));
      return;
    case "remove-node":
      tracker.removeMember(id);
      return;
  }
}

/** The short form logs and test output use: v4 (add voter), l4 (add learner), r4 (remove). */
export function describeConfChange(change: ConfChange): string {
  const prefix = change.type === "add-voter" ? "v" : change.type === "add-learner" ? "l" : "r";
  return prefix + change.nodeId;
}
