// The coalition modules' behaviour (spec 06): the Almanac's clock, the Chronicle's hash-chained
// log, the Atlas's cards and successor resolution, on Raft groups; and the standard types they
// speak.
export * from "./std-types.js";
export { Almanac, type AlmanacOptions } from "./almanac.js";
export { Chronicle, ChronicleClient, entryHash, verifyChronicle, type Append, type ChronicleOptions, type ChronicleClientOptions, type ChronicleVerdict } from "./chronicle.js";
export { Atlas, AtlasClient, catalogue, followRetirements, type Catalogued, resolveSuccessor, type Resolution } from "./atlas.js";
export { chooseSuccessor, heartbeatEntry, judgeWindow, retirementEntry, retirementMarker, Watchdog, type AbandonmentVerdictKind, type Candidate, type SuccessorPolicy, type WindowReport } from "./patterns.js";
export { Compute, ComputeClient, ComputeRefused, imageHash, requestOverStreams, verifyGrant, type ComputeOptions, type ComputeClientOptions, type ComputeRefusal } from "./compute.js";
