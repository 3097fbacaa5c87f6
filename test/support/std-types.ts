// Standard types written by hand as the identity module's type values (spec 06), for tests of
// the runtime that must not depend on the compiler reading `stdlib/`.
import { option, primitive, type EnumType, type RecordType } from "@coal/runtime/identity";

export const componentRef: RecordType = {
  kind: "record",
  name: "ComponentRef",
  fields: [
    { name: "stable_id", type: primitive("digest") },
    { name: "content_hash", type: option(primitive("digest")) },
  ],
};

export const retirementPolicy: RecordType = { kind: "record", name: "RetirementPolicy", fields: [{ name: "notice", type: primitive("duration") }] };

export const successorPolicy: EnumType = {
  kind: "enum",
  name: "SuccessorPolicy",
  variants: [
    { name: "None", fields: [] },
    { name: "Named", fields: [{ name: "successor", type: componentRef }] },
    { name: "HandOffToReputationLeader", fields: [] },
  ],
};
