// What an editor shows about a name: its declaration as written, its doc comment, and — for what
// has one — the fingerprints and ids it folds into, each with its derivation (for "explain this
// fingerprint"). Computed from a checked program through the one `Fingerprinter`.
import type * as A from "@coal/language";
import * as I from "@coal/runtime/identity";
import type { CheckedProgram } from "../checker/checker.js";
import { Fingerprinter } from "../fingerprints.js";
import { originRenderer } from "../origins.js";
import type { CitizenModel, CoalitionModel, MeasurementsModel, NamedTypeModel, Origin } from "../model.js";
import type { Target } from "./names.js";
import { compactText } from "./syntax.js";

export interface Fingerprint {
  /** What the digest is: `stable id`, `content hash`, `SCHEMA`, `coalition id`, … */
  readonly label: string;
  readonly hex: string;
  readonly derivation: I.Derivation;
}

export interface Description {
  /** The declaration as written (a header for blocks), one line per part. */
  readonly signature: string;
  readonly doc?: string;
  /** The fingerprints and ids of the item, the principal one first. */
  readonly fingerprints: readonly Fingerprint[];
}

const headerLimit = 400;

/** Describes a target, with fingerprints from `checked` when the item has any. */
export function describe(target: Target, checked?: CheckedProgram, fingerprinter?: Fingerprinter): Description {
  const text = target.unit.text;
  const node = target.node;
  const doc = "doc" in node && node.doc !== undefined ? node.doc.text : undefined;
  let signature: string;
  switch (node.kind) {
    case "FieldDecl": {
      const owner = target.container === undefined ? "" : `${target.container.container === undefined ? "" : `${target.container.container.name}.`}${target.container.name}.`;
      signature = `${target.kind === "parameter" ? "parameter " : "field "}${owner}${compactText(text, node)}`;
      break;
    }
    case "VariantDecl":
      signature = `variant ${target.container?.name ?? ""}.${compactText(text, node)}`;
      break;
    case "RecordDecl":
    case "EnumDecl":
    case "ValidatorDecl":
    case "BuiltinDecl":
      signature = clip(compactText(text, { start: node.start, end: node.end }));
      break;
    default: {
      const body = "body" in node ? node.body : undefined;
      const header = compactText(text, { start: node.start, end: body?.start ?? node.end });
      const instance = body?.entries.find((e): e is A.Property => e.kind === "Property" && (e.name.text === "instance" || e.name.text === "name"));
      signature = instance?.value === undefined ? header : `${header}\n  ${instance.name.text}: ${compactText(text, instance.value)}`;
    }
  }
  const fingerprints = checked === undefined ? [] : fingerprintsOf(target, checked, fingerprinter ?? new Fingerprinter(checked.model));
  return { signature, ...(doc === undefined ? {} : { doc }), fingerprints };
}

function clip(text: string): string {
  return text.length <= headerLimit ? text : `${text.slice(0, headerLimit)} …`;
}

function sameOrigin(origin: Origin, target: Target): boolean {
  return origin.file === target.unit.path && origin.range.start === target.node.start;
}

/** The model part a declaration became, found by its origin. */
function modelOf(target: Target, checked: CheckedProgram): { kind: "citizen"; model: CitizenModel } | { kind: "coalition"; model: CoalitionModel } | { kind: "type"; model: NamedTypeModel } | { kind: "measurements"; model: MeasurementsModel } | undefined {
  const model = checked.model;
  switch (target.kind) {
    case "organism":
    case "confluence":
    case "lattice": {
      const list: readonly CitizenModel[] = target.kind === "organism" ? model.organisms : target.kind === "confluence" ? model.confluences : model.lattices;
      const found = list.find((c) => sameOrigin(c.origin, target));
      return found === undefined ? undefined : { kind: "citizen", model: found };
    }
    case "coalition": {
      const found = model.coalitions.find((c) => sameOrigin(c.origin, target));
      return found === undefined ? undefined : { kind: "coalition", model: found };
    }
    case "record":
    case "enum": {
      const found = model.types.find((t) => sameOrigin(t.origin, target));
      return found === undefined ? undefined : { kind: "type", model: found };
    }
    case "measurements": {
      const found = model.measurements.find((m) => sameOrigin(m.origin, target));
      return found === undefined ? undefined : { kind: "measurements", model: found };
    }
    default:
      return undefined;
  }
}

/** The fingerprints of a declaration, principal first; none for names without any. */
export function fingerprintsOf(target: Target, checked: CheckedProgram, fingerprinter = new Fingerprinter(checked.model)): Fingerprint[] {
  const found = modelOf(target, checked);
  if (found === undefined) return [];
  const out: Fingerprint[] = [];
  const add = (label: string, derivation: I.Derivation) => out.push({ label, hex: I.toHex(derivation.digest), derivation });
  switch (found.kind) {
    case "type":
      add("SCHEMA", I.schema(found.model.type));
      break;
    case "measurements":
      add("criteria", fingerprinter.criteria(found.model));
      break;
    case "citizen": {
      const citizen = found.model;
      if (citizen.kind === "lattice") {
        add("stable id", fingerprinter.stableId(citizen));
        break;
      }
      const f = fingerprinter.citizen(citizen);
      add(citizen.kind === "organism" ? "content hash" : "fingerprint", f.contentHash);
      add("stable id", f.stableId);
      add("admission signature", f.admission.signature);
      add("content SCHEMA", I.schema(citizen.content.type));
      for (const [name, derivation] of f.surface) add(`id of ${name}`, derivation);
      break;
    }
    case "coalition": {
      const f = fingerprinter.coalition(found.model);
      add("coalition id", f.coalitionId);
      add("COALITION", f.coalition);
      add("COALITION_ROOT", f.root);
      add("TICKETS_ROOT", f.ticketsRoot);
      if (f.ticketIssuer !== undefined) add("ticket issuer", f.ticketIssuer);
      for (const [name, module] of f.modules) add(`${name} fingerprint`, module.fingerprint);
      break;
    }
  }
  return out;
}

/** How a fingerprint was derived, part by part, with `file:line:column` for each source part. */
export function explainFingerprint(fingerprint: Fingerprint, checked: CheckedProgram): string {
  return I.explain(fingerprint.derivation, { origin: originRenderer(checked.program) });
}
