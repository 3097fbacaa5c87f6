export const serverVersion = "0.1.0";
