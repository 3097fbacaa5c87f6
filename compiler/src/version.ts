// Kept equal to package.json by a test, so the bundled CLI needs no JSON import.
export const compilerVersion = "0.1.0";
