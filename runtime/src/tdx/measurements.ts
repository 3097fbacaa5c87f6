// Measurement criteria (spec 05, step 8): pins on MRTD and RTMR0..3, as mosaik's
// `MeasurementsCriteria` has them. An unpinned register matches anything; a TD passes when it
// meets the baseline and, if any alternatives are given, at least one of them.
import { equalBytes, toHex } from "../identity/bytes.js";
import type { MeasurementsCriteria } from "../identity/admission.js";
import type { TdReport } from "./quote.js";

export type { MeasurementsCriteria };

const registers = ["mrtd", "rtmr0", "rtmr1", "rtmr2", "rtmr3"] as const;
type Register = (typeof registers)[number];

function value(report: TdReport, register: Register): Uint8Array {
  return register === "mrtd" ? report.mrTd : report[register];
}

/** The first pinned register the report does not match, or undefined when all match. */
export function mismatch(criteria: MeasurementsCriteria, report: TdReport): { readonly register: Register; readonly expected: string; readonly actual: string } | undefined {
  for (const register of registers) {
    const pin = criteria[register];
    if (pin !== undefined && !equalBytes(pin, value(report, register))) return { register, expected: toHex(pin), actual: toHex(value(report, register)) };
  }
  return undefined;
}

/** Whether a TD report meets a baseline and one of the alternatives; the reason when not. */
export function judgeMeasurements(report: TdReport, baseline: MeasurementsCriteria | undefined, anyOf: readonly MeasurementsCriteria[] = []): string | undefined {
  const base = baseline === undefined ? undefined : mismatch(baseline, report);
  if (base !== undefined) return `${base.register.toUpperCase()} is ${base.actual}, the baseline pins ${base.expected}`;
  if (anyOf.length === 0) return undefined;
  const misses = anyOf.map((criteria) => mismatch(criteria, report));
  if (misses.some((miss) => miss === undefined)) return undefined;
  return `no alternative matches: ${misses.map((miss, i) => `#${i} pins ${miss!.register.toUpperCase()} ${miss!.expected.slice(0, 16)}…`).join("; ")}`;
}
