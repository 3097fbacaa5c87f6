// The Atlas (spec 06): a replicated map from stable id to MemberCard, one card per citizen the
// coalition catalogues. Retirement markers move cards along (pattern Y): the retiring citizen's
// card becomes Retired with `successor_hint` naming its replacement. `resolveSuccessor` follows
// those hints from any stable id to the latest live successor, so a consumer holding an old id
// finds who carries on.
import { toHex } from "../identity/bytes.js";
import type { KeyedClientOptions } from "../groups/client.js";
import { Collections, MapClient, type CollectionOptions, type ReplicatedMap } from "../groups/collections.js";
import { codec } from "../identity/codec.js";
import { primitive } from "../identity/types.js";
import { codecs, type ChronicleEntry, type MemberCard, type RetirementMarker } from "./std-types.js";

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

  /** A client: registers and resolves through a committee member (key: `ids.modules.atlas.cards`). */
  static client(options: KeyedClientOptions): AtlasClient {
    const { key, members, ...rest } = options;
    return new AtlasClient(new MapClient({ ...rest, id: key, writers: members }, digestCodec, codecs.MemberCard));
  }
}

export class AtlasClient {
  constructor(readonly cards: MapClient<Uint8Array, MemberCard>) {}

  register(card: MemberCard): Promise<number> {
    return this.cards.set(card.citizen, card);
  }

  /** Resolves a stable id to its latest live successor on a linearizable copy of the cards. */
  async resolve(stableId: Uint8Array): Promise<Resolution> {
    const copy = await this.cards.read();
    return resolveSuccessor((id) => copy.get(id), stableId);
  }

  close(): void {
    this.cards.close();
  }
}

/** A citizen the Atlas catalogues: its stable id and role (from the manifest). */
export interface Catalogued {
  readonly citizen: Uint8Array;
  readonly role: string;
}

/**
 * The committee commits one card per catalogued citizen (spec 06; `AtlasContent.members`, by
 * default every citizen): whenever this member leads, each citizen without a card gets an Active
 * one. A card already there — retired or not — is left alone. Returns a function that stops it;
 * `onDone` runs once every citizen has a card.
 */
export function catalogue(atlas: Atlas, citizens: readonly Catalogued[], onDone?: () => void): () => void {
  let stopped = false;
  void (async () => {
    while (!stopped) {
      if (atlas.cards.status().role === "leader") {
        try {
          for (const { citizen, role } of citizens) {
            if (stopped) return;
            if (!atlas.cards.has(citizen)) await atlas.register({ citizen, role, endpoint_hints: [], tdx_pins: [], status: { kind: "Active" } });
          }
        } catch {
          // lost leadership or closed: the next leader carries on
        }
      }
      if (citizens.every(({ citizen }) => atlas.cards.has(citizen))) {
        onDone?.();
        return;
      }
      await new Promise((r) => setTimeout(r, 100).unref());
    }
  })();
  return () => {
    stopped = true;
  };
}

/**
 * Pattern Y on the committee's side: the Atlas follows the Chronicle's retirement markers. Run on
 * an operator hosting both; whenever its Atlas member leads, each `retirement-marker` entry not yet
 * reflected in the cards is applied (`Atlas.retire`). Re-applying a marker changes nothing, so a
 * change of leader mid-way is harmless. Returns a function that stops following.
 */
export function followRetirements(chronicle: { readonly entries: readonly ChronicleEntry[]; readonly group: { when(): { reaches(index: number): Promise<void> }; readonly applied: number } }, atlas: Atlas, onApplied?: (marker: RetirementMarker) => void): () => void {
  let stopped = false;
  let done = 0;
  const waiting: RetirementMarker[] = [];
  void (async () => {
    while (!stopped) {
      try {
        // A new entry, or a while (this member may have become the Atlas leader since).
        await Promise.race([chronicle.group.when().reaches(chronicle.group.applied + 1), new Promise((r) => setTimeout(r, 500).unref())]);
      } catch {
        return; // the chronicle member closed
      }
      if (stopped || atlas.cards.status().role !== "leader") continue;
      // Markers seen before, for a card not registered yet, then the new entries.
      const markers = waiting.splice(0);
      for (; done < chronicle.entries.length; done++) {
        const entry = chronicle.entries[done]!;
        if (entry.tag !== "retirement-marker") continue;
        try {
          markers.push(codecs.RetirementMarker.decode(entry.body));
        } catch {
          // not a marker after all: the Chronicle records, it does not vouch
        }
      }
      for (const [i, marker] of markers.entries()) {
        const card = atlas.cards.get(marker.retiring.stable_id);
        if (card === undefined) {
          waiting.push(marker);
          continue;
        }
        if (card.status.kind === "Retired") continue;
        try {
          await atlas.retire(marker);
          onApplied?.(marker);
        } catch {
          waiting.push(...markers.slice(i)); // lost leadership or closed: try again, or the next leader will
          break;
        }
      }
    }
  })();
  return () => {
    stopped = true;
  };
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
