// The Atlas (spec 06): a replicated map from stable id to MemberCard, one card per citizen the
// coalition catalogues. Retirement markers move cards along (pattern Y): the retiring citizen's
// card becomes Retired with `successor_hint` naming its replacement. `resolveSuccessor` follows
// those hints from any stable id to the latest live successor, so a consumer holding an old id
// finds who carries on.
import { toHex } from "../identity/bytes.js";
import { Collections, type CollectionOptions, type ReplicatedMap } from "../groups/collections.js";
import { codec } from "../identity/codec.js";
import { primitive } from "../identity/types.js";
import { codecs, type MemberCard, type RetirementMarker } from "./std-types.js";

const digestCodec = codec<Uint8Array>(primitive("digest"));

export class Atlas {
  private constructor(readonly cards: ReplicatedMap<Uint8Array, MemberCard>) {}

  /** Opens the Atlas's `cards` map (key: the bindings' `ids.modules.atlas.cards`). */
  static async open(options: Omit<CollectionOptions, "id"> & { readonly key: string }): Promise<Atlas> {
    const { key, ...rest } = options;
    return new Atlas(await Collections.map({ ...rest, id: key, keys: digestCodec, values: codecs.MemberCard }));
  }

  /** Registers or replaces a citizen's card; resolves with the version. */
  register(card: MemberCard): Promise<number> {
    return this.cards.set(card.citizen, card);
  }

  /**
   * Applies a retirement marker: the retiring citizen's card becomes Retired, pointing at the
   * replacement (which gets an Active card if it has none yet).
   */
  async retire(marker: RetirementMarker, replacementCard?: Omit<MemberCard, "citizen" | "status" | "successor_hint">): Promise<number> {
    const retiring = marker.retiring.stable_id;
    const card = this.cards.get(retiring);
    if (card === undefined) throw new RangeError(`the Atlas has no card for ${toHex(retiring)}`);
    const replacement = marker.replacement?.stable_id;
    let version = await this.cards.set(retiring, { ...card, status: { kind: "Retired" }, ...(replacement === undefined ? {} : { successor_hint: replacement }) });
    if (replacement !== undefined && !this.cards.has(replacement) && replacementCard !== undefined) {
      version = await this.cards.set(replacement, { ...replacementCard, citizen: replacement, status: { kind: "Active" } });
    }
    return version;
  }

  /** See `resolveSuccessor`. */
  resolve(stableId: Uint8Array): Resolution {
    return resolveSuccessor((id) => this.cards.get(id), stableId);
  }

  close(): Promise<void> {
    return this.cards.close();
  }
}

export type Resolution =
  | { readonly ok: true; readonly card: MemberCard; readonly chain: readonly Uint8Array[] }
  | { readonly ok: false; readonly reason: "unknown" | "no-live-successor" | "cycle"; readonly chain: readonly Uint8Array[] };

/**
 * Follows `successor_hint`s from `stableId` to the first card that is not Retired: the latest
 * live successor. `chain` lists every stable id visited, starting with `stableId`. A hint that
 * leads nowhere, a retired card without a hint, or a cycle is reported, never looped on.
 */
export function resolveSuccessor(lookup: (stableId: Uint8Array) => MemberCard | undefined, stableId: Uint8Array): Resolution {
  const chain: Uint8Array[] = [];
  const seen = new Set<string>();
  let current: Uint8Array | undefined = stableId;
  while (current !== undefined) {
    const key = toHex(current);
    if (seen.has(key)) return { ok: false, reason: "cycle", chain: [...chain, current] };
    seen.add(key);
    chain.push(current);
    const card = lookup(current);
    if (card === undefined) return { ok: false, reason: chain.length === 1 ? "unknown" : "no-live-successor", chain };
    if (card.status.kind !== "Retired") return { ok: true, card, chain };
    current = card.successor_hint;
  }
  return { ok: false, reason: "no-live-successor", chain };
}
