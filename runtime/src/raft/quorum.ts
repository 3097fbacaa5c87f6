// Majority arithmetic over one set of voters: the index a quorum holds, and the outcome of a
// vote. Single-server membership changes (confchange.ts) mean one voter set is ever in force.
import type { NodeId } from "./types.js";

export type VoteResult = "pending" | "lost" | "won";

/**
 * The largest index held by a majority of `voters`: sort the match indices descending and take
 * the one at position ⌊n/2⌋. A voter with no known index counts as 0. An empty voter set holds
 * nothing (0): nobody can commit for it.
 */
export function committedIndex(voters: readonly NodeId[], matchOf: (id: NodeId) => number | undefined): number {
  if (voters.length === 0) return 0;
  const matches = voters.map((id) => matchOf(id) ?? 0).sort((a, b) => b - a);
  return matches[Math.floor(voters.length / 2)]!;
}

/** Won with a majority of grants, lost once a majority can no longer be reached, else pending. */
export function voteResult(voters: readonly NodeId[], voteOf: (id: NodeId) => boolean | undefined): VoteResult {
  if (voters.length === 0) return "lost";
  const quorum = Math.floor(voters.length / 2) + 1;
  let granted = 0;
  let missing = 0;
  for (const id of voters) {
    const vote = voteOf(id);
    if (vote === undefined) missing++;
    else if (vote) granted++;
  }
  if (granted >= quorum) return "won";
  if (granted + missing >= quorum) return "pending";
  return "lost";
}
