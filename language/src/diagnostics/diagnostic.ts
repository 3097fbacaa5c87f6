// The diagnostic value every phase produces, and the typed catalogue machinery: each layer
// declares its codes once (severity, message template with named parameters, explanation), and
// creating a diagnostic with a wrong code or a missing parameter fails to compile.
import type { Range } from "../syntax/ast.js";

export type Severity = "error" | "warning";

/** A place related to the primary one ("first declared here", "opened here"). */
export interface RelatedLocation {
  readonly message: string;
  readonly range: Range;
  /** Absent when it is in the same file as the diagnostic. */
  readonly file?: string;
}

export interface TextEdit {
  readonly range: Range;
  readonly newText: string;
  /** Absent when it is in the same file as the diagnostic. */
  readonly file?: string;
}

/** A suggested change, applied by editors as a quick fix. */
export interface Fix {
  readonly title: string;
  readonly edits: readonly TextEdit[];
}

export interface Diagnostic {
  readonly code: string;
  readonly severity: Severity;
  readonly message: string;
  /** The file the range refers to, once known (the parser works on text and leaves it unset). */
  readonly file?: string;
  readonly range: Range;
  readonly related: readonly RelatedLocation[];
  readonly notes: readonly string[];
  readonly help?: string;
  readonly fixes: readonly Fix[];
}

/** A message with named holes, written as a tagged template: msg`Unexpected ${"char"}.` */
export interface MessageTemplate<P extends string> {
  readonly parts: readonly string[];
  readonly params: readonly P[];
}

export function msg<const P extends string>(parts: TemplateStringsArray, ...params: P[]): MessageTemplate<P> {
  return { parts: [...parts], params };
}

export function formatTemplate<P extends string>(template: MessageTemplate<P>, values: Readonly<Record<P, string>>): string {
  let out = template.parts[0] ?? "";
  template.params.forEach((param, index) => {
    out += values[param] + (template.parts[index + 1] ?? "");
  });
  return out;
}

export interface CatalogueEntry<P extends string = string> {
  readonly severity: Severity;
  /** Short kebab-case name, stable like the code. */
  readonly name: string;
  readonly message: MessageTemplate<P>;
  /** One paragraph for `coalc explain`: what the rule is and how to fix a violation. */
  readonly explanation: string;
}

export type Catalogue = Readonly<Record<string, CatalogueEntry<any>>>;

type ParamsOf<E> = E extends CatalogueEntry<infer P> ? Readonly<Record<P, string>> : never;

export interface DiagnosticExtras {
  readonly related?: readonly RelatedLocation[];
  readonly notes?: readonly string[];
  readonly help?: string;
  readonly fixes?: readonly Fix[];
}

/** Builds diagnostics for one catalogue, checking codes and parameters at compile time. */
export function diagnosticFactory<C extends Catalogue>(catalogue: C) {
  return function create<K extends keyof C & string>(
    code: K,
    params: ParamsOf<C[K]>,
    range: Range,
    extras: DiagnosticExtras = {},
  ): Diagnostic {
    const entry = catalogue[code]!;
    return {
      code,
      severity: entry.severity,
      message: formatTemplate(entry.message, params),
      range: { start: range.start, end: range.end },
      related: extras.related ?? [],
      notes: extras.notes ?? [],
      ...(extras.help === undefined ? {} : { help: extras.help }),
      fixes: extras.fixes ?? [],
    };
  };
}

/** Source order, then errors before warnings at the same place. */
export function compareDiagnostics(a: Diagnostic, b: Diagnostic): number {
  return (
    (a.file ?? "").localeCompare(b.file ?? "") ||
    a.range.start - b.range.start ||
    a.range.end - b.range.end ||
    (a.severity === b.severity ? 0 : a.severity === "error" ? -1 : 1) ||
    a.code.localeCompare(b.code)
  );
}
