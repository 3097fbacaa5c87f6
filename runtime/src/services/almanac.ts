// The Almanac (spec 06): the coalition's clock. A committee runs a Raft group whose state machine
// numbers ticks; every `cadence` its leader proposes one, and the tick's `seq` is assigned when
// the entry applies — the previous seq plus one, in log order — so seq never repeats or goes back,
// across leader changes and, with a durable store, restarts. The member that proposed a tick
// publishes it on the `ticks` stream once applied; consumers keep the highest seq they have seen
// (two leaders in one instant can both publish, never with the same seq).
import { toHex } from "../identity/bytes.js";
import { derive, id } from "../identity/hash.js";
import type { Group, GroupError } from "../groups/group.js";
import { startKeyedGroup } from "../groups/id.js";
import { jsonCodec, type StateMachine } from "../groups/state-machine.js";
import type { GroupStore } from "../groups/store.js";
import type { GroupPeer } from "../groups/collections.js";
import type { Producer, StreamPeer } from "../net/memory.js";
import { codecs, type AlmanacTick } from "./std-types.js";

export interface AlmanacOptions {
  /** The group's key: the almanac module's fingerprint (a new content, a new clock). */
  readonly key: string;
  /** The `ticks` stream id (the bindings' `ids.modules.almanac.ticks`). */
  readonly ticks: string;
  readonly peer: GroupPeer & StreamPeer;
  /** The committee. */
  readonly members: readonly string[];
  readonly cadenceMs: number;
  readonly store?: GroupStore;
  readonly tickMs?: number;
  readonly electionTicks?: number;
  /** The wall clock for timestamp hints. Default Date.now. */
  readonly now?: () => number;
}

interface TickCommand {
  readonly member: string;
  readonly unixMs: string;
}

interface TickResult {
  readonly seq: string;
  readonly member: string;
  readonly unixMs: string;
}

/** The almanac's state machine: the last tick. */
type AlmanacState = { seq: bigint; last: TickResult | undefined };

function almanacMachine(): StateMachine<TickCommand, TickResult, null, AlmanacState> & { current(): AlmanacState } {
  let seq = 0n;
  let last: TickResult | undefined;
  return {
    signature: toHex(derive(id("coal.service.almanac.v1"), "seq")),
    commands: jsonCodec<TickCommand>(),
    results: jsonCodec<TickResult>(),
    apply: (command) => {
      seq += 1n;
      last = { seq: seq.toString(), member: command.member, unixMs: command.unixMs };
      return last;
    },
    query: () => ({ seq, last }),
    current: () => ({ seq, last }),
    snapshot: () => new TextEncoder().encode(JSON.stringify({ seq: seq.toString(), last })),
    restore: (bytes) => {
      const state = JSON.parse(new TextDecoder().decode(bytes)) as { seq: string; last?: TickResult };
      seq = BigInt(state.seq);
      last = state.last;
    },
  };
}

export class Almanac {
  private timer: NodeJS.Timeout | undefined;
  private readonly producer: Producer;
  /** Ticks this member proposed and published. */
  published = 0;
  /** Proposals that failed (no leader in time, stopped); the next cadence tries again. */
  missed = 0;

  private constructor(
    readonly group: Group<TickCommand, TickResult, null, AlmanacState>,
    private readonly machine: { current(): AlmanacState },
    private readonly options: AlmanacOptions,
  ) {
    this.producer = options.peer.produce(options.ticks);
  }

  static async start(options: AlmanacOptions): Promise<Almanac> {
    const machine = almanacMachine();
    const group = await startKeyedGroup(options, machine);
    const almanac = new Almanac(group, machine, options);
    almanac.timer = setInterval(() => void almanac.beat(), options.cadenceMs);
    almanac.timer.unref?.();
    return almanac;
  }

  /** The last seq this member has applied (0 before the first tick). */
  get seq(): bigint {
    return this.machine.current().seq;
  }

  /** One cadence: the leader proposes a tick and, once it applies, publishes it. */
  private async beat(): Promise<void> {
    if (this.group.status().role !== "leader") return;
    const now = (this.options.now ?? Date.now)();
    try {
      const result = await this.group.execute({ member: this.options.peer.id, unixMs: String(now) });
      const tick: AlmanacTick = { seq: BigInt(result.seq), hints: [{ member: Buffer.from(result.member, "hex"), unix_ms: BigInt(result.unixMs) }] };
      await this.producer.send(codecs.AlmanacTick.encode(tick));
      this.published++;
    } catch (error) {
      if ((error as GroupError).name === "GroupError") this.missed++;
      else throw error;
    }
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.producer.close();
    await this.group.close();
  }
}
