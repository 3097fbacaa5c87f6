// TCB evaluation from Intel's collateral, as Intel's QVL does it (TcbLevelCheck, TdxModuleCheck,
// TDRelaunchCheck) and Rust dcap-qvl follows: the QE identity gives the quoting enclave's status;
// the TCB info's levels are walked in order and the first whose SGX components (from the PCK
// certificate) and PCE SVN the platform meets selects the SGX level, the first of those whose TDX
// components (TEE_TCB_SVN; bytes 0 and 1 are skipped when byte 1 names a TDX module version, since
// the module identity judges them) the TD meets selects the TDX level; the TDX module identity
// `TDX_<TEE_TCB_SVN[1] as two hex digits>` must match MRSIGNERSEAM and SEAMATTRIBUTES and gives the
// module's status from TEE_TCB_SVN[0]; statuses converge as Intel converges them. The inputs are
// the signed JSON documents, read strictly here; their signatures are checked in collateral.ts.
import { fromHex, type Bytes } from "../identity/bytes.js";
import type { EnclaveReport, Quote } from "./quote.js";
import type { PckExtension } from "./sgx-extension.js";

/** A platform TCB status as Intel's TCB info names it, plus the statuses evaluation derives. */
export type TcbStatus =
  | "UpToDate"
  | "SWHardeningNeeded"
  | "ConfigurationNeeded"
  | "ConfigurationAndSWHardeningNeeded"
  | "OutOfDate"
  | "OutOfDateConfigurationNeeded"
  | "TDRelaunchAdvised"
  | "TDRelaunchAdvisedConfigurationNeeded"
  | "Revoked"
  /** No TCB level (or no TDX module level) the platform meets: Intel's STATUS_TCB_NOT_SUPPORTED. */
  | "TcbNotSupported";

const levelStatuses = ["UpToDate", "SWHardeningNeeded", "ConfigurationNeeded", "ConfigurationAndSWHardeningNeeded", "OutOfDate", "OutOfDateConfigurationNeeded", "Revoked"] as const;
type LevelStatus = (typeof levelStatuses)[number];
const moduleStatuses = ["UpToDate", "OutOfDate", "Revoked"] as const;
type ModuleStatus = (typeof moduleStatuses)[number];

/** Thrown for a malformed document or a mismatch that is a verification failure, not a status. */
export class TcbError extends Error {
  override readonly name = "TcbError";
  constructor(
    readonly reason: "tcb-info" | "qe-identity" | "fmspc" | "tdx-module",
    message: string,
  ) {
    super(message);
  }
}

export interface TcbLevel {
  readonly sgxComponents: readonly number[];
  readonly pceSvn: number;
  readonly tdxComponents: readonly number[];
  readonly tcbDate: string;
  readonly status: LevelStatus;
  readonly advisoryIds: readonly string[];
}

export interface ModuleLevel {
  readonly isvSvn: number;
  readonly tcbDate: string;
  readonly status: ModuleStatus;
  readonly advisoryIds: readonly string[];
}

export interface ModuleIdentity {
  readonly id: string;
  readonly mrSigner: Bytes;
  readonly attributes: Bytes;
  readonly attributesMask: Bytes;
  readonly levels: readonly ModuleLevel[];
}

export interface TcbInfo {
  readonly id: string;
  readonly version: number;
  readonly issueDate: number;
  readonly nextUpdate: number;
  readonly fmspc: Bytes;
  readonly pceId: Bytes;
  readonly tcbEvaluationDataNumber: number;
  readonly tdxModule: Omit<ModuleIdentity, "id" | "levels">;
  readonly tdxModuleIdentities: readonly ModuleIdentity[];
  readonly levels: readonly TcbLevel[];
}

export interface QeIdentity {
  readonly id: string;
  readonly version: number;
  readonly issueDate: number;
  readonly nextUpdate: number;
  readonly tcbEvaluationDataNumber: number;
  readonly miscSelect: Bytes;
  readonly miscSelectMask: Bytes;
  readonly attributes: Bytes;
  readonly attributesMask: Bytes;
  readonly mrSigner: Bytes;
  readonly isvProdId: number;
  readonly levels: readonly ModuleLevel[];
}

type Json = Record<string, unknown>;

function reader(reason: "tcb-info" | "qe-identity", what: string) {
  const fail = (message: string): never => {
    throw new TcbError(reason, `${what}: ${message}`);
  };
  const object = (value: unknown, name: string): Json => (typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Json) : fail(`${name} is not an object`));
  const array = (value: unknown, name: string): unknown[] => (Array.isArray(value) ? value : fail(`${name} is not an array`));
  const integer = (value: unknown, name: string, max: number): number => (Number.isInteger(value) && (value as number) >= 0 && (value as number) <= max ? (value as number) : fail(`${name} is not an integer in 0..${max}`));
  const string = (value: unknown, name: string): string => (typeof value === "string" ? value : fail(`${name} is not a string`));
  const hex = (value: unknown, name: string, bytes: number): Bytes => {
    const text = string(value, name);
    if (!/^[0-9a-fA-F]*$/.test(text) || text.length !== bytes * 2) fail(`${name} is not ${bytes} bytes of hex`);
    return fromHex(text);
  };
  const date = (value: unknown, name: string): number => {
    const text = string(value, name);
    const ms = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z$/.test(text) ? Date.parse(text) : NaN;
    return Number.isFinite(ms) ? ms : fail(`${name} is not an RFC 3339 UTC time`);
  };
  const status = <S extends string>(value: unknown, name: string, allowed: readonly S[]): S => (allowed.includes(value as S) ? (value as S) : fail(`${name} ${JSON.stringify(value)} is not one of ${allowed.join(", ")}`));
  const advisories = (value: unknown, name: string): string[] => (value === undefined ? [] : array(value, name).map((id, i) => string(id, `${name}[${i}]`)));
  const moduleLevels = (value: unknown, name: string): ModuleLevel[] =>
    array(value, name).map((raw, i) => {
      const level = object(raw, `${name}[${i}]`);
      return { isvSvn: integer(object(level["tcb"], `${name}[${i}].tcb`)["isvsvn"], `${name}[${i}].tcb.isvsvn`, 0xffff), tcbDate: string(level["tcbDate"], `${name}[${i}].tcbDate`), status: status(level["tcbStatus"], `${name}[${i}].tcbStatus`, moduleStatuses), advisoryIds: advisories(level["advisoryIDs"], `${name}[${i}].advisoryIDs`) };
    });
  const parse = (text: string): Json => {
    try {
      return object(JSON.parse(text), "the document");
    } catch (error) {
      if (error instanceof TcbError) throw error;
      return fail(`not JSON: ${(error as Error).message}`);
    }
  };
  return { fail, object, array, integer, string, hex, date, status, advisories, moduleLevels, parse };
}

/** Reads Intel's TDX TCB info (the `tcbInfo` object, as signed). Throws `TcbError("tcb-info")`. */
export function parseTcbInfo(text: string): TcbInfo {
  const r = reader("tcb-info", "TCB info");
  const info = r.parse(text);
  const components = (value: unknown, name: string) => {
    const list = r.array(value, name);
    if (list.length !== 16) r.fail(`${name} has ${list.length} components, not 16`);
    return list.map((c, i) => r.integer(r.object(c, `${name}[${i}]`)["svn"], `${name}[${i}].svn`, 255));
  };
  const module = (value: unknown, name: string) => {
    const m = r.object(value, name);
    return { mrSigner: r.hex(m["mrsigner"], `${name}.mrsigner`, 48), attributes: r.hex(m["attributes"], `${name}.attributes`, 8), attributesMask: r.hex(m["attributesMask"], `${name}.attributesMask`, 8) };
  };
  const id = r.string(info["id"], "id");
  const version = r.integer(info["version"], "version", 1000);
  if (id !== "TDX" || version < 3) r.fail(`is ${id} version ${version}, not TDX version 3 or later`);
  return {
    id,
    version,
    issueDate: r.date(info["issueDate"], "issueDate"),
    nextUpdate: r.date(info["nextUpdate"], "nextUpdate"),
    fmspc: r.hex(info["fmspc"], "fmspc", 6),
    pceId: r.hex(info["pceId"], "pceId", 2),
    tcbEvaluationDataNumber: r.integer(info["tcbEvaluationDataNumber"], "tcbEvaluationDataNumber", 0xffffffff),
    tdxModule: module(info["tdxModule"], "tdxModule"),
    tdxModuleIdentities: (info["tdxModuleIdentities"] === undefined ? [] : r.array(info["tdxModuleIdentities"], "tdxModuleIdentities")).map((raw, i) => {
      const name = `tdxModuleIdentities[${i}]`;
      const identity = r.object(raw, name);
      return { id: r.string(identity["id"], `${name}.id`), ...module(identity, name), levels: r.moduleLevels(identity["tcbLevels"], `${name}.tcbLevels`) };
    }),
    levels: r.array(info["tcbLevels"], "tcbLevels").map((raw, i) => {
      const name = `tcbLevels[${i}]`;
      const level = r.object(raw, name);
      const tcb = r.object(level["tcb"], `${name}.tcb`);
      return {
        sgxComponents: components(tcb["sgxtcbcomponents"], `${name}.tcb.sgxtcbcomponents`),
        pceSvn: r.integer(tcb["pcesvn"], `${name}.tcb.pcesvn`, 0xffff),
        tdxComponents: components(tcb["tdxtcbcomponents"], `${name}.tcb.tdxtcbcomponents`),
        tcbDate: r.string(level["tcbDate"], `${name}.tcbDate`),
        status: r.status(level["tcbStatus"], `${name}.tcbStatus`, levelStatuses),
        advisoryIds: r.advisories(level["advisoryIDs"], `${name}.advisoryIDs`),
      };
    }),
  };
}

/** Reads Intel's TD QE identity (the `enclaveIdentity` object, as signed). Throws `TcbError("qe-identity")`. */
export function parseQeIdentity(text: string): QeIdentity {
  const r = reader("qe-identity", "QE identity");
  const identity = r.parse(text);
  const id = r.string(identity["id"], "id");
  const version = r.integer(identity["version"], "version", 1000);
  if (id !== "TD_QE" || version !== 2) r.fail(`is ${id} version ${version}, not TD_QE version 2`);
  return {
    id,
    version,
    issueDate: r.date(identity["issueDate"], "issueDate"),
    nextUpdate: r.date(identity["nextUpdate"], "nextUpdate"),
    tcbEvaluationDataNumber: r.integer(identity["tcbEvaluationDataNumber"], "tcbEvaluationDataNumber", 0xffffffff),
    miscSelect: r.hex(identity["miscselect"], "miscselect", 4),
    miscSelectMask: r.hex(identity["miscselectMask"], "miscselectMask", 4),
    attributes: r.hex(identity["attributes"], "attributes", 16),
    attributesMask: r.hex(identity["attributesMask"], "attributesMask", 16),
    mrSigner: r.hex(identity["mrsigner"], "mrsigner", 32),
    isvProdId: r.integer(identity["isvprodid"], "isvprodid", 0xffff),
    levels: r.moduleLevels(identity["tcbLevels"], "tcbLevels"),
  };
}

/** What evaluation found: the status, the advisories, and which levels it came from. */
export interface TcbEvaluation {
  readonly status: TcbStatus;
  /** Union of the platform's, the TDX module's and the QE's advisories, in that order. */
  readonly advisoryIds: readonly string[];
  /** One sentence on how the status was reached (which level or component decided it). */
  readonly explanation: string;
  readonly platform: { readonly sgxLevel?: number; readonly tdxLevel?: number; readonly status?: LevelStatus; readonly tcbDate?: string };
  readonly tdxModule: { readonly identity?: string; readonly status?: ModuleStatus; readonly tcbDate?: string };
  readonly qe: { readonly status: ModuleStatus | "NotSupported"; readonly isvSvn: number; readonly tcbDate?: string };
  readonly tcbEvaluationDataNumber: number;
}

const masked = (value: Bytes, mask: Bytes) => value.map((byte, i) => byte & mask[i]!);
const equal = (a: Bytes, b: Bytes) => a.length === b.length && a.every((byte, i) => byte === b[i]);
const hex = (bytes: Bytes) => Buffer.from(bytes).toString("hex");

/** The QE report against the QE identity: identity fields must match; ISVSVN selects a level. */
export function evaluateQe(report: EnclaveReport, identity: QeIdentity): { readonly status: ModuleStatus | "NotSupported"; readonly level?: ModuleLevel } {
  if (!equal(report.mrSigner, identity.mrSigner)) throw new TcbError("qe-identity", `the QE's MRSIGNER ${hex(report.mrSigner)} is not ${hex(identity.mrSigner)}`);
  if (report.isvProdId !== identity.isvProdId) throw new TcbError("qe-identity", `the QE's ISVPRODID ${report.isvProdId} is not ${identity.isvProdId}`);
  const miscSelect = report.raw.subarray(16, 20);
  if (!equal(masked(miscSelect, identity.miscSelectMask), identity.miscSelect)) throw new TcbError("qe-identity", `the QE's MISCSELECT ${hex(miscSelect)} does not match ${hex(identity.miscSelect)} under mask ${hex(identity.miscSelectMask)}`);
  if (!equal(masked(report.attributes, identity.attributesMask), identity.attributes)) throw new TcbError("qe-identity", `the QE's attributes ${hex(report.attributes)} do not match ${hex(identity.attributes)} under mask ${hex(identity.attributesMask)}`);
  const level = identity.levels.find((l) => report.isvSvn >= l.isvSvn);
  return level === undefined ? { status: "NotSupported" } : { status: level.status, level };
}

function meets(actual: readonly number[], required: readonly number[], from = 0): boolean {
  for (let i = from; i < required.length; i++) if (actual[i]! < required[i]!) return false;
  return true;
}

const configurationNeeded = new Set<TcbStatus>(["ConfigurationNeeded", "OutOfDateConfigurationNeeded", "ConfigurationAndSWHardeningNeeded", "TDRelaunchAdvisedConfigurationNeeded"]);

/** Intel's convergeTcbStatusWithTdxModuleStatus. */
function withModule(level: LevelStatus, module: ModuleStatus | undefined): TcbStatus {
  if (module === "OutOfDate") {
    if (level === "UpToDate" || level === "SWHardeningNeeded") return "OutOfDate";
    if (level === "ConfigurationNeeded" || level === "ConfigurationAndSWHardeningNeeded") return "OutOfDateConfigurationNeeded";
  }
  if (module === "Revoked") return "Revoked";
  return level;
}

/** Intel's convergeTcbStatusWithQeTcbStatus. */
function withQe(status: TcbStatus, qe: ModuleStatus | "NotSupported"): TcbStatus {
  if (qe === "OutOfDate") {
    if (status === "UpToDate" || status === "SWHardeningNeeded") return "OutOfDate";
    if (status === "ConfigurationNeeded" || status === "ConfigurationAndSWHardeningNeeded") return "OutOfDateConfigurationNeeded";
  }
  if (qe === "Revoked") return "Revoked";
  if (qe === "NotSupported") return "TcbNotSupported";
  return status;
}

/** Intel's checkForRelaunch (TDX 1.5 quotes): an out-of-date TD on an up-to-date platform may only need relaunching. */
function relaunch(quote: Quote, info: TcbInfo, sgx: LevelStatus, tdx: TcbStatus, module: ModuleStatus | undefined, qe: ModuleStatus | "NotSupported"): TcbStatus {
  const svn2 = quote.body.teeTcbSvn2;
  if (svn2 === undefined || qe === "OutOfDate" || qe === "Revoked" || qe === "NotSupported") return tdx;
  if (!(sgx === "UpToDate" || sgx === "SWHardeningNeeded" || sgx === "ConfigurationNeeded" || sgx === "ConfigurationAndSWHardeningNeeded")) return tdx;
  if (!(tdx === "OutOfDate" || tdx === "OutOfDateConfigurationNeeded") || module !== "OutOfDate") return tdx;
  const latest = info.levels[0];
  if (latest === undefined) return "TcbNotSupported";
  let current: boolean;
  if (svn2[1] === 0) current = svn2[0]! >= latest.tdxComponents[0]! && svn2[2]! >= latest.tdxComponents[2]!;
  else {
    const identity = moduleIdentity(info, svn2[1]!);
    if (identity === undefined) throw new TcbError("tdx-module", `no TDX module identity ${moduleId(svn2[1]!)} for TEE_TCB_SVN_2`);
    const newest = identity.levels[0];
    if (newest === undefined) return "TcbNotSupported";
    current = svn2[0]! >= newest.isvSvn && svn2[2]! >= latest.tdxComponents[2]!;
  }
  if (!current) return tdx;
  return configurationNeeded.has(sgx) || configurationNeeded.has(tdx) ? "TDRelaunchAdvisedConfigurationNeeded" : "TDRelaunchAdvised";
}

const moduleId = (version: number) => `TDX_${version.toString(16).toUpperCase().padStart(2, "0")}`;

function moduleIdentity(info: TcbInfo, version: number): ModuleIdentity | undefined {
  const wanted = moduleId(version);
  return info.tdxModuleIdentities.find((m) => m.id.toUpperCase() === wanted);
}

function union(...lists: (readonly string[] | undefined)[]): string[] {
  const out: string[] = [];
  for (const list of lists) for (const id of list ?? []) if (!out.includes(id)) out.push(id);
  return out;
}

/**
 * The TCB status of a TD: its quote, its PCK certificate's SGX extension, and verified TCB info
 * and QE identity. Throws `TcbError` for a mismatch that fails verification (FMSPC, QE identity,
 * TDX module identity); a platform no level covers gets the status `TcbNotSupported`.
 */
export function evaluateTcb(quote: Quote, pck: PckExtension, info: TcbInfo, identity: QeIdentity): TcbEvaluation {
  if (!equal(pck.fmspc, info.fmspc)) throw new TcbError("fmspc", `the PCK certificate's FMSPC ${hex(pck.fmspc)} is not the TCB info's ${hex(info.fmspc)}`);
  if (!equal(pck.pceId, info.pceId)) throw new TcbError("fmspc", `the PCK certificate's PCE id ${hex(pck.pceId)} is not the TCB info's ${hex(info.pceId)}`);
  const qe = evaluateQe(quote.qeReport, identity);
  const qeResult = { status: qe.status, isvSvn: quote.qeReport.isvSvn, ...(qe.level === undefined ? {} : { tcbDate: qe.level.tcbDate }) };
  const base = { qe: qeResult, tcbEvaluationDataNumber: info.tcbEvaluationDataNumber };
  const teeTcbSvn = [...quote.body.teeTcbSvn];

  // Level selection (Intel's matchTcbLevels).
  let sgxLevel: number | undefined;
  let tdxLevel: number | undefined;
  const skipModule = teeTcbSvn[1]! > 0 ? 2 : 0;
  for (let i = 0; i < info.levels.length; i++) {
    const level = info.levels[i]!;
    if (!meets(pck.sgxTcbComponents, level.sgxComponents) || pck.pceSvn < level.pceSvn) continue;
    sgxLevel ??= i;
    if (meets(teeTcbSvn, level.tdxComponents, skipModule)) {
      tdxLevel = i;
      break;
    }
  }
  if (sgxLevel === undefined) {
    const closest = info.levels.map((level) => level.sgxComponents.flatMap((required, i) => (pck.sgxTcbComponents[i]! < required ? [`component ${i + 1} is ${pck.sgxTcbComponents[i]} < ${required}`] : [])).concat(pck.pceSvn < level.pceSvn ? [`PCESVN is ${pck.pceSvn} < ${level.pceSvn}`] : []));
    return { ...base, status: "TcbNotSupported", advisoryIds: [], explanation: `no TCB level is met by the platform's SGX TCB: ${closest.map((why, i) => `level ${i}: ${why.join(", ")}`).join("; ")}`, platform: {}, tdxModule: {} };
  }
  const sgx = info.levels[sgxLevel]!;
  if (tdxLevel === undefined) return { ...base, status: "TcbNotSupported", advisoryIds: [], explanation: `the SGX TCB meets level ${sgxLevel}, but no level's TDX components are met by TEE_TCB_SVN ${hex(quote.body.teeTcbSvn)}`, platform: { sgxLevel }, tdxModule: {} };
  const tdx = info.levels[tdxLevel]!;

  // The TDX module (Intel's checkTdxModuleTcbStatus, with the identity check dcap-qvl adds).
  const version = teeTcbSvn[1]!;
  const tdxIdentity = version > 0 ? moduleIdentity(info, version) : undefined;
  if (version > 0 && tdxIdentity === undefined) throw new TcbError("tdx-module", `the TCB info has no TDX module identity ${moduleId(version)} (TEE_TCB_SVN[1] = ${version})`);
  const expected = tdxIdentity ?? info.tdxModule;
  if (!equal(quote.body.mrSignerSeam, expected.mrSigner)) throw new TcbError("tdx-module", `MRSIGNERSEAM ${hex(quote.body.mrSignerSeam)} is not ${tdxIdentity?.id ?? "tdxModule"}'s ${hex(expected.mrSigner)}`);
  if (!equal(masked(quote.body.seamAttributes, expected.attributesMask), masked(expected.attributes, expected.attributesMask))) throw new TcbError("tdx-module", `SEAMATTRIBUTES ${hex(quote.body.seamAttributes)} do not match ${hex(expected.attributes)} under mask ${hex(expected.attributesMask)}`);
  let moduleLevel: ModuleLevel | undefined;
  if (tdxIdentity !== undefined) {
    moduleLevel = tdxIdentity.levels.find((l) => teeTcbSvn[0]! >= l.isvSvn);
    if (moduleLevel === undefined) return { ...base, status: "TcbNotSupported", advisoryIds: [], explanation: `TDX module ${tdxIdentity.id} ISVSVN ${teeTcbSvn[0]} is below every level of its identity`, platform: { sgxLevel, tdxLevel, status: tdx.status, tcbDate: tdx.tcbDate }, tdxModule: { identity: tdxIdentity.id } };
  }
  const moduleStatus = moduleLevel?.status;
  let status = withModule(tdx.status, moduleStatus);
  if (status !== "Revoked" && quote.bodyType === 3) status = relaunch(quote, info, sgx.status, status, moduleStatus, qe.status);
  if (status !== "Revoked") status = withQe(status, qe.status);
  const moduleText = tdxIdentity === undefined ? "no TDX module identity applies (TEE_TCB_SVN[1] = 0)" : `TDX module ${tdxIdentity.id} ISVSVN ${teeTcbSvn[0]} meets its level with ISVSVN ${moduleLevel!.isvSvn} (${moduleStatus})`;
  return {
    ...base,
    status,
    advisoryIds: union(tdx.advisoryIds, moduleLevel?.advisoryIds, qe.level?.advisoryIds),
    explanation: `the platform meets TCB level ${tdxLevel} (${tdx.status}, ${tdx.tcbDate})${sgxLevel === tdxLevel ? "" : ` and SGX level ${sgxLevel} (${sgx.status})`}; ${moduleText}; the QE's ISVSVN ${quote.qeReport.isvSvn} is ${qe.status}`,
    platform: { sgxLevel, tdxLevel, status: tdx.status, tcbDate: tdx.tcbDate },
    tdxModule: { ...(tdxIdentity === undefined ? {} : { identity: tdxIdentity.id }), ...(moduleStatus === undefined ? {} : { status: moduleStatus, tcbDate: moduleLevel!.tcbDate }) },
  };
}
