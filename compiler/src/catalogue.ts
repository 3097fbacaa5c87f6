// The compiler's diagnostic catalogue: names and imports (E0200–E0299), types and values
// (E0300–E0399), citizens, coalitions and strategies (E0400–E0499), and their warnings. Codes are
// stable; never renumber or reuse one. docs/language.md lists them; `coalc explain` prints them.
import { diagnosticFactory, msg, type CatalogueEntry } from "@coal/language";

export const checkerCatalogue = {
  E0200: {
    severity: "error",
    name: "unresolved-import",
    message: msg`Cannot find the file ${"path"}.`,
    explanation:
      "An import names a file that does not exist. Relative paths (`./market.coal`) resolve against the importing file's directory, and the `.coal` extension may be left out; `std/types`, `std/validators` and `std/services` are the standard library. Check the spelling and the file's location.",
  },
  E0201: {
    severity: "error",
    name: "import-outside-workspace",
    message: msg`${"path"} is outside the workspace.`,
    explanation:
      "Imports may not reach above the workspace root (the nearest directory holding a `package.json`, `coal.lock.json` or `.git`, or the directory given to the compiler), so that a workspace's fingerprints depend only on files it contains. Move the imported file into the workspace.",
  },
  E0202: {
    severity: "error",
    name: "import-cycle",
    message: msg`These files import each other in a cycle: ${"cycle"}.`,
    explanation:
      "Imports must form a tree without cycles, so that every file can be understood before the files that use it. Move the declarations both files need into a third file that both import.",
  },
  E0203: {
    severity: "error",
    name: "unknown-export",
    message: msg`${"file"} declares nothing named ${"name"}.`,
    explanation:
      "An import names a declaration the imported file does not have. Every top-level declaration of a file can be imported by its name; check the spelling, or the file.",
  },
  E0204: {
    severity: "error",
    name: "duplicate-declaration",
    message: msg`${"name"} is declared more than once.`,
    explanation:
      "Each name may be declared (or imported) once per file, and every declaration of a workspace file shares one namespace: records, enums, validators, measurements, lattices, organisms, confluences and coalitions. Rename one of them, or import the other under an alias (`import { A as B } from …`).",
  },
  E0205: {
    severity: "error",
    name: "unresolved-name",
    message: msg`Cannot find ${"what"} ${"name"}.`,
    explanation:
      "The name is not declared in this file, imported into it, or built in. Declare it, import it from the file that declares it (`import { Forecast } from \"./types.coal\"`), or check the spelling. The quick fix adds the import when exactly one file of the workspace or the standard library declares the name.",
  },
  E0206: {
    severity: "error",
    name: "wrong-kind",
    message: msg`${"name"} is ${"actual"}, but ${"expected"} is needed here.`,
    explanation:
      "The name resolves, but to the wrong kind of declaration: for instance a record where a citizen is expected, or an organism where a type is expected. Use a name of the kind the position needs.",
  },
  E0207: {
    severity: "error",
    name: "builtin-outside-std",
    message: msg`Only the standard library may declare ${"what"}.`,
    explanation:
      "Built-in functions (`builtin blake3(…)`) and validator signatures without a body (`validator Freshness(…)`) describe what the compiler itself implements, so only the standard library declares them. Define a validator with a body instead: `validator name = Expression`.",
  },
  E0208: {
    severity: "error",
    name: "duplicate-universe",
    message: msg`The universe is declared more than once.`,
    explanation:
      "A workspace declares its universe at most once; every instance id derives from it. Keep one `universe` declaration.",
  },
  W0200: {
    severity: "warning",
    name: "unused-import",
    message: msg`${"name"} is imported but never used.`,
    explanation: "An imported name that nothing uses is clutter, and may hide a typo elsewhere. Remove it; the quick fix does.",
  },
  E0300: {
    severity: "error",
    name: "type-arguments",
    message: msg`${"type"} takes ${"expected"}, not ${"actual"}.`,
    explanation:
      "`list`, `option` and `set` take one type argument (`list<u32>`), `map` takes two (`map<digest, MemberCard>`), and every other type takes none.",
  },
  E0301: {
    severity: "error",
    name: "recursive-type",
    message: msg`${"name"} contains itself: ${"cycle"}.`,
    explanation:
      "A record or enum may not contain itself, directly or through other types, because its schema hash (spec 02) would have no end. Break the cycle, for instance by referring to the other value by its digest.",
  },
  E0302: {
    severity: "error",
    name: "type-mismatch",
    message: msg`Expected ${"expected"}, found ${"found"}.`,
    explanation:
      "The value does not have the type its position needs. Integers, decimals, strings, durations (`2s`), tick counts (`30 ticks`), digests (64 hex digits) and measurements (96 hex digits) are all distinct; a record is written `Name { field: value }`, an enum variant by its name (`HandOffToReputationLeader`) or, with fields, as a call (`Subject(name: \"x\")`).",
  },
  E0303: {
    severity: "error",
    name: "integer-out-of-range",
    message: msg`${"value"} does not fit in ${"type"}, which holds ${"min"} to ${"max"}.`,
    explanation:
      "Integer types have fixed widths: `u8` to `u64` are unsigned, `i8` to `i64` signed. Use a wider type in the record, or a smaller value.",
  },
  E0304: {
    severity: "error",
    name: "missing-field",
    message: msg`${"owner"} needs a value for ${"field"}.`,
    explanation:
      "Every field of a record that is not an `option` must be given. Add it; the quick fix inserts it with a placeholder to fill in. Fields of type `option<…>` may be left out, and then fold as absent.",
  },
  E0305: {
    severity: "error",
    name: "unknown-field",
    message: msg`${"owner"} has no field ${"field"}.`,
    explanation: "The record (or entry) has no field by that name. Check the spelling against the declaration; the quick fix renames it to the closest field when there is one.",
  },
  E0306: {
    severity: "error",
    name: "duplicate-field",
    message: msg`${"field"} is given more than once.`,
    explanation: "Each field of a record value, and each argument of a call, may be given once. Remove one of them.",
  },
  E0307: {
    severity: "error",
    name: "invalid-decimal",
    message: msg`${"value"} cannot be a decimal: ${"reason"}.`,
    explanation:
      "Decimals are exact: a 64-bit signed mantissa and at most 18 digits after the point (spec 02). Trailing zeros do not count (`0.50` is `0.5`).",
  },
  E0308: {
    severity: "error",
    name: "duplicate-element",
    message: msg`${"value"} appears more than once in this set.`,
    explanation: "A `set` holds each element once; its canonical encoding sorts the elements and rejects duplicates. Remove the repeated element.",
  },
  E0309: {
    severity: "error",
    name: "unwritable-type",
    message: msg`A value of type ${"type"} cannot be written in a manifest.`,
    explanation:
      "`map` values and raw `bytes` longer than a hex literal have no literal syntax in .coal. Use a list of records instead of a map, or move the data out of the manifest and refer to it by digest.",
  },
  E0310: {
    severity: "error",
    name: "unknown-argument",
    message: msg`${"callee"} has no parameter ${"name"}.`,
    explanation: "A named argument must match one of the parameters the validator or function declares (hover its name to see them).",
  },
  E0311: {
    severity: "error",
    name: "missing-argument",
    message: msg`${"callee"} needs ${"what"}.`,
    explanation: "Every parameter whose type is not `option<…>` must be given, by position or by name. The quick fix adds the named argument with a placeholder.",
  },
  E0312: {
    severity: "error",
    name: "too-many-arguments",
    message: msg`${"callee"} takes ${"expected"}, but was given ${"actual"}.`,
    explanation: "A call may give at most as many positional arguments as the callee has parameters. Name the arguments to see which is which.",
  },
  E0313: {
    severity: "error",
    name: "positional-after-named",
    message: msg`A positional argument cannot follow a named one.`,
    explanation: "Positional arguments fill parameters in order, so they come first: `ReputationFloor(org, floor: 0.55)`. Name this argument, or move it before the named ones.",
  },
  E0314: {
    severity: "error",
    name: "unknown-variant",
    message: msg`${"enum"} has no variant ${"name"}.`,
    explanation: "The value names a variant the enum does not declare. Check the spelling against the enum's declaration (hover its name).",
  },
  E0315: {
    severity: "error",
    name: "not-whole-seconds",
    message: msg`${"what"} must be a whole number of seconds, not ${"value"}.`,
    explanation: "TDX and JWT ticket limits are folded into the signature in whole seconds, exactly as mosaik does (spec 02). Write the duration in seconds or larger units.",
  },
  E0316: {
    severity: "error",
    name: "not-a-validator",
    message: msg`${"what"} cannot be used in an admission expression.`,
    explanation:
      "An admission expression combines validators with `&` (all of) and `|` (any of): calls of the standard validators (`ReputationFloor(…)`, `Tdx(…)`, …), names of `validator` declarations, and parenthesised groups. Literals, lists and records have no meaning there.",
  },
  E0400: {
    severity: "error",
    name: "unknown-entry",
    message: msg`${"entry"} does not belong in ${"where"}.`,
    explanation:
      "Each kind of block takes its own entries (docs/language.md lists them): an organism takes `role`, `instance`, `shape`, `committee`, `content`, streams, collections, `admission`, `strategies`, `watchdog` and `heartbeat`; a coalition takes `name`, `lattices`, `organisms`, `confluences`, the module blocks, `tickets` and `retirement`; and so on. Move the entry, or check its spelling.",
  },
  E0401: {
    severity: "error",
    name: "missing-entry",
    message: msg`${"where"} needs ${"entry"}.`,
    explanation:
      "Some entries are required because fingerprints are derived from them: an organism or confluence needs its `instance` name, a coalition its `name`, a lattice its `stable_id` or `instance`. Add it; the quick fix inserts it with a placeholder.",
  },
  E0402: {
    severity: "error",
    name: "duplicate-entry",
    message: msg`${"entry"} is given more than once in ${"where"}.`,
    explanation: "Each entry of a block may be given once (streams and collections once per name). Remove or merge the repeated one.",
  },
  E0403: {
    severity: "error",
    name: "confluence-too-small",
    message: msg`${"what"} spans at least two citizens; ${"name"} spans ${"count"}.`,
    explanation: "A confluence composes citizens; with fewer than two it composes nothing. List at least two organisms or confluences in `spans`, or make it an organism. An organism spans nothing, or (as a composite) two or more citizens.",
  },
  E0404: {
    severity: "error",
    name: "duplicate-citizen",
    message: msg`${"name"} is listed more than once in coalition ${"coalition"}.`,
    explanation: "A coalition lists each citizen once; its position in the list is part of the coalition's fingerprint. Remove the repeated entry.",
  },
  E0405: {
    severity: "error",
    name: "pin-without-hash",
    message: msg`${"name"} has no content hash to pin.`,
    explanation:
      "`pinned(x)` folds x's content hash into the referrer's fingerprint. Organisms declared in the workspace always have one; a lattice has one only if it declares `content_hash`. Add the lattice's published `content_hash`, or reference it without `pinned`.",
  },
  E0406: {
    severity: "error",
    name: "strategy-needs-publisher",
    message: msg`The ${"strategy"} strategy needs a citizen publishing ${"type"}, and ${"name"} publishes none.`,
    explanation:
      "Strategies read what other citizens publish: `reputation` reads `ReputationCard`s, `market` reads `Allocation`s, and a watchdog publishes `AbandonmentReport`s. The citizen named must declare a stream (or collection) of that type.",
  },
  E0407: {
    severity: "error",
    name: "strategy-not-in-admission",
    message: msg`The ${"strategy"} strategy is not reflected in the admission: it needs a ${"validator"} clause.`,
    explanation:
      "A strategy is enforced at admission: `reputation` implies a `ReputationFloor` clause, `market` a `MarketSettlement` clause, and `peering` a `Freshness` clause, with the same arguments. The quick fix adds the clause to the admission expression.",
  },
  E0408: {
    severity: "error",
    name: "heartbeat-needs-modules",
    message: msg`${"name"} sends heartbeats on the Chronicle, so coalition ${"coalition"} must ship ${"missing"}.`,
    explanation:
      "`heartbeat on chronicle every …` appends entries to the coalition's Chronicle, stamped by its Almanac. A coalition listing such a citizen must ship both: add `chronicle { }` and `almanac { cadence: … }`.",
  },
  E0409: {
    severity: "error",
    name: "successor-cycle",
    message: msg`Successor policies form a cycle: ${"cycle"}.`,
    explanation:
      "`SuccessorPolicy.Named` hands an agent's work to another citizen when it retires; a chain of such hand-offs that returns to where it started never ends. Break the cycle.",
  },
  E0410: {
    severity: "error",
    name: "tdx-needs-pin",
    message: msg`A TDX-gated committee needs a measurements pin, and ${"found"} is not one.`,
    explanation: "`committee { tdx: … }` names the `measurements` declaration the committee's members must prove with TDX quotes. Declare the pins with `measurements name { mrtd: 0x… }` and name it here.",
  },
  E0411: {
    severity: "error",
    name: "shape-mismatch",
    message: msg`${"shape"} ${"problem"}.`,
    explanation:
      "The agent shape constrains the declaration: an `integrator` runs inside someone else's process, so it has no committee, no stream of its own and no retirement; a `swarm` is many agents acting as one, so it is declared as a confluence.",
  },
  E0412: {
    severity: "error",
    name: "duplicate-instance",
    message: msg`${"name"} has the same instance name as ${"other"}, so they would share a stable id.`,
    explanation: "A citizen's stable id is derived from its instance name alone; two citizens with the same instance name would be indistinguishable on the network. Give each its own instance name.",
  },
  E0413: {
    severity: "error",
    name: "invalid-instance",
    message: msg`${"value"} is not a valid instance name: ${"reason"}.`,
    explanation: "Instance names are non-empty, without surrounding whitespace or control characters, such as `signals.prophet`. They are the only input to a citizen's stable id.",
  },
  E0414: {
    severity: "error",
    name: "pin-cycle",
    message: msg`Pinned references form a cycle: ${"cycle"}.`,
    explanation:
      "`pinned(x)` folds x's content hash into the referrer's; if x pins the referrer in turn, neither hash can be computed. Unpin one of the references.",
  },
  E0415: {
    severity: "error",
    name: "validator-cycle",
    message: msg`Validator ${"name"} refers to itself: ${"cycle"}.`,
    explanation: "A named validator may use other named validators, but not itself, directly or through others: its signature would have no end. Break the cycle.",
  },
} as const satisfies Record<string, CatalogueEntry<any>>;

export type CheckerCode = keyof typeof checkerCatalogue;

export const checkerDiagnostic = diagnosticFactory(checkerCatalogue);
