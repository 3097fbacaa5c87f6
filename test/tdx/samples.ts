// The real TDX quotes of ../shared/testdata/tdx (read in place, never copied), with what
// expected.json says about each, and their collateral.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Collateral } from "@coal/runtime/tdx";
import { sharedRoot } from "../support/files.js";

export const tdxData = join(sharedRoot, "testdata", "tdx");

export interface ExpectedSample {
  readonly file: string;
  readonly encoding: "binary" | "hex";
  readonly fileBytes: number;
  readonly quoteVersion: number;
  readonly teeType: string;
  readonly attestationKeyType: number;
  readonly qeVendorId: string;
  readonly signedLength: number;
  readonly sigDataStart: number;
  readonly sigDataLength: number;
  readonly trailingBytesAfterSigData: number;
  readonly outerCertDataType: number;
  readonly innerCertDataType: number;
  readonly qeAuthDataLength: number;
  readonly [field: string]: unknown;
  readonly qeReport: { readonly cpuSvn: string; readonly miscSelect: number; readonly attributes: string; readonly mrEnclave: string; readonly mrSigner: string; readonly isvProdId: number; readonly isvSvn: number; readonly reportData: string };
  readonly pck: { readonly fmspc: string; readonly pceid: string; readonly issuerCN: string };
  readonly certChain: readonly { readonly subject: string; readonly validFrom: string; readonly validTo: string; readonly fp: string }[];
}

export const expected: Record<string, ExpectedSample> = JSON.parse(readFileSync(join(tdxData, "expected.json"), "utf8")).samples;
export const sampleNames = Object.keys(expected);

/** A sample's quote bytes (the hex sample decoded). */
export function sample(name: string): Uint8Array {
  const bytes = readFileSync(join(tdxData, name));
  return expected[name]?.encoding === "hex" ? Uint8Array.from(Buffer.from(bytes.toString("latin1").trim(), "hex")) : Uint8Array.from(bytes);
}

export function collateral(name: string): Collateral {
  return JSON.parse(readFileSync(join(tdxData, name), "utf8")) as Collateral;
}

/** A time inside every sample's certificate validity (the README's check date). */
export const insideAllCertificates = Date.parse("2026-11-23T00:00:00Z");

export const hex = (bytes: Uint8Array | undefined) => (bytes === undefined ? null : Buffer.from(bytes).toString("hex"));
