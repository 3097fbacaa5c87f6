// Compute (spec 06): providers register cards — a TDX-capable one with a quote that verifies and
// whose MRTD is the card's —, requests are matched to a provider whose free capacity fits the
// request's manifest and whose TDX capability meets its requirement, before the deadline, and the
// grant is committed. All of it happens in the group's state machine, so every member admits the
// same providers and grants the same requests: quote verification runs at the time the command
// carries, against the root the group was started with (Intel's unless a test injects another,
// which changes the machine's signature and so the GroupId). A requester checks a grant against
// its request before use (`verifyGrant`).
import { equalBytes, toHex } from "../identity/bytes.js";
import { derive, H, id } from "../identity/hash.js";
import type { Group } from "../groups/group.js";
import { connectKeyedGroup, type GroupClient, type KeyedClientOptions } from "../groups/client.js";
import { startKeyedGroup, type KeyedGroupOptions } from "../groups/id.js";
import { jsonCodec, type StateMachine } from "../groups/state-machine.js";
import type { GroupPeer } from "../groups/collections.js";
import type { StreamPeer } from "../net/memory.js";
import { intelRoot } from "../tdx/intel-root.js";
import { verifyQuote } from "../tdx/verify.js";
import type { TrustedRoot } from "../tdx/x509.js";
import { codecs, type ComputeGrant, type ComputeManifest, type ComputeRequest, type ProviderCard } from "./std-types.js";

/** A member's options: the keyed group's (key: the compute module's fingerprint), and these. */
export interface ComputeOptions extends KeyedGroupOptions {
  /** The root provider quotes must chain to. Default: Intel's pinned SGX root. */
  readonly root?: TrustedRoot;
  /**
   * The module's `requests` and `grants` streams (the bindings' `ids.modules.compute.requests` /
   * `.grants`): when given, the committee takes requests published on the one and publishes the
   * grants it commits on the other (see `Compute.open`). The peer must then be a stream peer.
   */
  readonly streams?: { readonly requests: string; readonly grants: string };
}

export interface ComputeClientOptions extends KeyedClientOptions {
  /** The root the committee verifies quotes against (it is part of the group's id). Default Intel's. */
  readonly root?: TrustedRoot;
}

type Command = { readonly op: "register"; readonly card: string; readonly quote?: string; readonly at: number } | { readonly op: "request"; readonly request: string; readonly at: number };

export type ComputeRefusal =
  | "quote-missing"
  | "quote-invalid"
  | "mrtd-mismatch"
  | "no-provider"
  | "deadline-passed"
  | "duplicate-request"
  | "malformed"
  | "no-grant";

type Result = { readonly ok: true; readonly grant?: string } | { readonly ok: false; readonly refusal: ComputeRefusal; readonly message: string };

interface ProviderState {
  card: ProviderCard;
  free: { cpu: number; ram: number; storage: number };
}

/** `image_hash` = H(enc(ComputeManifest)): what a request must name for its manifest. */
export function imageHash(manifest: ComputeManifest): Uint8Array {
  return H(codecs.ComputeManifest.encode(manifest));
}

class ComputeMachine implements StateMachine<Command, Result, null, null> {
  readonly signature: string;
  readonly commands = jsonCodec<Command>();
  readonly results = jsonCodec<Result>();
  readonly providers = new Map<string, ProviderState>();
  readonly grants = new Map<string, ComputeGrant>();

  constructor(private readonly root: TrustedRoot) {
    this.signature = toHex(derive(id("coal.service.compute.v1"), root.certificate.fingerprint));
  }

  apply(command: Command): Result {
    try {
      return command.op === "register" ? this.register(command) : this.match(command);
    } catch (error) {
      return { ok: false, refusal: "malformed", message: (error as Error).message };
    }
  }

  private register(command: Extract<Command, { op: "register" }>): Result {
    const card = codecs.ProviderCard.decode(Buffer.from(command.card, "hex"));
    if (card.tdx_capable) {
      if (command.quote === undefined) return { ok: false, refusal: "quote-missing", message: "a TDX-capable provider registers with a quote" };
      const verified = verifyQuote(Buffer.from(command.quote, "hex"), { now: command.at, root: this.root });
      if (!verified.ok) return { ok: false, refusal: "quote-invalid", message: `step ${verified.step} (${verified.stepName}): ${verified.message}` };
      if (card.mrtd === undefined || !equalBytes(card.mrtd, verified.quote.body.mrTd)) return { ok: false, refusal: "mrtd-mismatch", message: "the card's MRTD is not the quote's" };
    }
    this.providers.set(toHex(card.provider), { card, free: { cpu: card.cpu_millicores, ram: card.ram_mib, storage: card.storage_gib } });
    return { ok: true };
  }

  private match(command: Extract<Command, { op: "request" }>): Result {
    const request = codecs.ComputeRequest.decode(Buffer.from(command.request, "hex"));
    const key = toHex(request.request_id);
    if (this.grants.has(key)) return { ok: false, refusal: "duplicate-request", message: "this request was granted already" };
    if (BigInt(command.at) > request.deadline) return { ok: false, refusal: "deadline-passed", message: "the request's deadline passed before it was matched" };
    const m = request.manifest;
    const fits = (p: ProviderState) => p.free.cpu >= m.min_cpu_millicores && p.free.ram >= m.min_ram_mib && p.free.storage >= m.min_storage_gib && (m.tdx.kind !== "Required" || p.card.tdx_capable);
    const candidates = [...this.providers.values()].filter(fits);
    // Preferred TDX first when asked, then the tightest fit (least spare CPU), then provider id: deterministic.
    candidates.sort((a, b) => (m.tdx.kind === "Preferred" ? Number(b.card.tdx_capable) - Number(a.card.tdx_capable) : 0) || a.free.cpu - b.free.cpu || (toHex(a.card.provider) < toHex(b.card.provider) ? -1 : 1));
    const chosen = candidates[0];
    if (chosen === undefined) return { ok: false, refusal: "no-provider", message: "no registered provider has the capacity and TDX capability the manifest asks for" };
    chosen.free.cpu -= m.min_cpu_millicores;
    chosen.free.ram -= m.min_ram_mib;
    chosen.free.storage -= m.min_storage_gib;
    const grant: ComputeGrant = { request_id: request.request_id, provider: chosen.card.provider, image_hash: request.image_hash, valid_to: request.deadline, ...(chosen.card.tdx_capable && chosen.card.mrtd !== undefined ? { expected_mrtd: chosen.card.mrtd } : {}) };
    this.grants.set(key, grant);
    return { ok: true, grant: toHex(codecs.ComputeGrant.encode(grant)) };
  }

  query(): null {
    return null;
  }

  snapshot(): Uint8Array {
    return new TextEncoder().encode(
      JSON.stringify({
        providers: [...this.providers.values()].map((p) => [toHex(codecs.ProviderCard.encode(p.card)), p.free]),
        grants: [...this.grants.values()].map((g) => toHex(codecs.ComputeGrant.encode(g))),
      }),
    );
  }

  restore(bytes: Uint8Array): void {
    const state = JSON.parse(new TextDecoder().decode(bytes)) as { providers: [string, ProviderState["free"]][]; grants: string[] };
    this.providers.clear();
    this.grants.clear();
    for (const [card, free] of state.providers) {
      const decoded = codecs.ProviderCard.decode(Buffer.from(card, "hex"));
      this.providers.set(toHex(decoded.provider), { card: decoded, free });
    }
    for (const g of state.grants) {
      const grant = codecs.ComputeGrant.decode(Buffer.from(g, "hex"));
      this.grants.set(toHex(grant.request_id), grant);
    }
  }
}

export class ComputeRefused extends Error {
  override readonly name = "ComputeRefused";
  constructor(
    readonly refusal: ComputeRefusal,
    message: string,
  ) {
    super(message);
  }
}

export class Compute {
  private constructor(
    readonly group: Group<Command, Result, null, null>,
    private readonly machine: ComputeMachine,
  ) {}

  static async open(options: ComputeOptions): Promise<Compute> {
    const machine = new ComputeMachine(options.root ?? intelRoot);
    const group = await startKeyedGroup(options, machine);
    const compute = new Compute(group, machine);
    if (options.streams !== undefined) compute.serveStreams(options.peer as GroupPeer & StreamPeer, options.streams);
    return compute;
  }

  private stopStreams: (() => void) | undefined;

  /**
   * The module's public surface (spec 06): a request published on `requests` is matched by the
   * member that leads when it arrives, against the time then, and the committed grant published
   * on `grants` by that member. A request already granted is answered with its grant again, so a
   * requester that heard nothing may simply publish it again; a refused one gets no grant (ask
   * through `Compute.client` for the reason).
   */
  private serveStreams(peer: GroupPeer & StreamPeer, streams: { readonly requests: string; readonly grants: string }): void {
    const grants = peer.produce(streams.grants);
    const requests = peer.consume(streams.requests);
    this.stopStreams = () => {
      requests.close();
      grants.close();
    };
    void (async () => {
      for await (const bytes of requests) {
        if (this.group.status().role !== "leader") continue;
        let request: ComputeRequest;
        try {
          request = codecs.ComputeRequest.decode(bytes);
        } catch {
          continue; // not a request: a stream carries what anyone publishes
        }
        const granted = this.machine.grants.get(toHex(request.request_id));
        const answer = granted !== undefined ? Promise.resolve(granted) : this.request(request);
        void answer.then(
          (grant) => grants.send(codecs.ComputeGrant.encode(grant)).catch(() => undefined),
          (error: unknown) => {
            // A concurrent copy committed first: answer with its grant. Other refusals get none.
            const now = this.machine.grants.get(toHex(request.request_id));
            if (error instanceof ComputeRefused && error.refusal === "duplicate-request" && now !== undefined) void grants.send(codecs.ComputeGrant.encode(now)).catch(() => undefined);
          },
        );
      }
    })();
  }

  /** Registers a provider (with its TDX quote when it claims TDX); refused with a reason otherwise. */
  register(card: ProviderCard, quote?: Uint8Array, at = Date.now()): Promise<void> {
    return registerThrough(this.group, card, quote, at);
  }

  /** Asks for compute; resolves with the committed grant, or throws ComputeRefused. */
  request(request: ComputeRequest, at = Date.now()): Promise<ComputeGrant> {
    return requestThrough(this.group, request, at);
  }

  /** The providers this member holds, with their free capacity. */
  providers(): readonly { readonly card: ProviderCard; readonly free: { readonly cpu: number; readonly ram: number; readonly storage: number } }[] {
    return [...this.machine.providers.values()];
  }

  close(): Promise<void> {
    this.stopStreams?.();
    return this.group.close();
  }

  /** A client: a provider or requester outside the committee, reaching it through a member. */
  static client(options: ComputeClientOptions): ComputeClient {
    const root = options.root ?? intelRoot;
    return new ComputeClient(connectKeyedGroup(options, new ComputeMachine(root)), root);
  }
}

export class ComputeClient {
  constructor(
    readonly group: GroupClient<Command, Result>,
    private readonly root: TrustedRoot,
  ) {}
  /** The registered providers and their free capacity (the `providers` collection), as of a linearizable read. */
  async providers(): Promise<readonly { readonly card: ProviderCard; readonly free: { readonly cpu: number; readonly ram: number; readonly storage: number } }[]> {
    const { state } = await this.group.read();
    const machine = new ComputeMachine(this.root);
    machine.restore(state);
    return [...machine.providers.values()];
  }
  /** See `Compute.register`. */
  register(card: ProviderCard, quote?: Uint8Array, at = Date.now()): Promise<void> {
    return registerThrough(this.group, card, quote, at);
  }
  /** See `Compute.request`. */
  request(request: ComputeRequest, at = Date.now()): Promise<ComputeGrant> {
    return requestThrough(this.group, request, at);
  }
  close(): void {
    this.group.close();
  }
}

async function registerThrough(group: { execute(command: Command): Promise<Result> }, card: ProviderCard, quote: Uint8Array | undefined, at: number): Promise<void> {
  const result = await group.execute({ op: "register", card: toHex(codecs.ProviderCard.encode(card)), ...(quote === undefined ? {} : { quote: toHex(quote) }), at });
  if (!result.ok) throw new ComputeRefused(result.refusal, result.message);
}

async function requestThrough(group: { execute(command: Command): Promise<Result> }, request: ComputeRequest, at: number): Promise<ComputeGrant> {
  const result = await group.execute({ op: "request", request: toHex(codecs.ComputeRequest.encode(request)), at });
  if (!result.ok) throw new ComputeRefused(result.refusal, result.message);
  return codecs.ComputeGrant.decode(Buffer.from(result.grant!, "hex"));
}

/**
 * A requester on the module's streams (the bindings' `compute.requests` producer and
 * `compute.grants` subscription): publishes `request` — again every `resendMs` until answered,
 * which is safe, since the committee answers a request it granted with the same grant — and
 * resolves with the grant for it. Fails with "no-grant" after `timeoutMs`: refused, or no
 * committee heard it (`Compute.client` says which).
 */
export async function requestOverStreams(
  requests: { send(request: ComputeRequest): Promise<void> },
  grants: AsyncIterable<ComputeGrant>,
  request: ComputeRequest,
  options: { readonly resendMs?: number; readonly timeoutMs?: number } = {},
): Promise<ComputeGrant> {
  const resendMs = options.resendMs ?? 1000;
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  const wanted = toHex(request.request_id);
  const iterator = grants[Symbol.asyncIterator]();
  let next = iterator.next();
  for (;;) {
    await requests.send(request);
    const resendAt = Math.min(deadline, Date.now() + resendMs);
    while (Date.now() < resendAt) {
      let timer: NodeJS.Timeout | undefined;
      const result = await Promise.race([next, new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), Math.max(1, resendAt - Date.now()))))]);
      clearTimeout(timer);
      if (result === undefined) break;
      if (result.done === true) throw new ComputeRefused("no-grant", "the grants stream ended before a grant came");
      next = iterator.next();
      if (toHex(result.value.request_id) === wanted) return result.value;
    }
    if (Date.now() >= deadline) throw new ComputeRefused("no-grant", `no grant for request ${wanted.slice(0, 16)}… within the time allowed (refused, or no committee heard it)`);
  }
}

/**
 * What a requester checks before using a grant: it answers this request, for this image, and —
 * when the manifest requires TDX — names the MRTD the requester expects the built image to have.
 */
export function verifyGrant(grant: ComputeGrant, request: ComputeRequest, expectedMrtd?: Uint8Array): { readonly ok: true } | { readonly ok: false; readonly reason: string } {
  if (!equalBytes(grant.request_id, request.request_id)) return { ok: false, reason: "the grant answers another request" };
  if (!equalBytes(grant.image_hash, request.image_hash) || !equalBytes(request.image_hash, imageHash(request.manifest))) return { ok: false, reason: "the grant's image is not the manifest's" };
  if (request.manifest.tdx.kind === "Required") {
    if (grant.expected_mrtd === undefined) return { ok: false, reason: "a TDX-required request granted without measurements" };
    if (expectedMrtd !== undefined && !equalBytes(grant.expected_mrtd, expectedMrtd)) return { ok: false, reason: "the granted provider's MRTD is not the one expected" };
  }
  return { ok: true };
}
