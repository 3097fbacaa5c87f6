// Every layer's diagnostic catalogue in one place, for `coalc explain` and the uniqueness test.
import { syntaxCatalogue, type CatalogueEntry } from "@coal/language";
import { checkerCatalogue } from "./catalogue.js";

export const allCatalogues: readonly { readonly layer: string; readonly entries: Readonly<Record<string, CatalogueEntry>> }[] = [
  { layer: "syntax", entries: syntaxCatalogue },
  { layer: "checker", entries: checkerCatalogue },
];

/** Looks a code up by code (`E0101`, any case) or by name (`unclosed-delimiter`). */
export function findCatalogueEntry(query: string): { readonly code: string; readonly entry: CatalogueEntry } | undefined {
  const wanted = query.trim();
  for (const { entries } of allCatalogues) {
    for (const [code, entry] of Object.entries(entries)) {
      if (code.toLowerCase() === wanted.toLowerCase() || entry.name === wanted.toLowerCase()) return { code, entry };
    }
  }
  return undefined;
}
