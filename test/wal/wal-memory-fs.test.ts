// The in-memory disk the store's crash tests and the simulator run on: a crash loses exactly
// what POSIX lets it lose — unsynced writes, and name changes whose folder was not synced — or,
// torn, keeps any subset of the unsynced sectors; the crashed process's handles stop working.
import { describe, expect, it } from "vitest";
import { MemoryFs } from "@coal/runtime/wal";

const bytes = (...values: number[]) => Uint8Array.from(values);

describe("MemoryFs", () => {
  it("loses unsynced writes in a crash and keeps synced ones", async () => {
    const fs = new MemoryFs();
    await fs.mkdir("/d");
    const file = await fs.open("/d/f", "create");
    await file.write(bytes(1, 2, 3), 0);
    await file.datasync();
    await fs.syncDirectory("/d");
    await file.write(bytes(9, 9), 1);
    await file.write(bytes(7), 10);
    expect(fs.readFile("/d/f")).toEqual(bytes(1, 9, 9, 0, 0, 0, 0, 0, 0, 0, 7));
    const after = fs.crash();
    expect(after.readFile("/d/f")).toEqual(bytes(1, 2, 3));
  });

  it("loses a new file's name unless its folder was synced, even if its data was", async () => {
    const fs = new MemoryFs();
    await fs.mkdir("/d");
    const file = await fs.open("/d/new", "create");
    await file.write(bytes(1), 0);
    await file.sync();
    const after = fs.crash();
    expect(after.exists("/d/new")).toBe(false);
    expect(await after.readdir("/d")).toEqual([]);
  });

  it("makes renames and unlinks durable only when their folder is synced", async () => {
    const fs = new MemoryFs();
    await fs.mkdir("/d");
    for (const name of ["a", "b"]) {
      const file = await fs.open(`/d/${name}`, "create");
      await file.write(bytes(name.charCodeAt(0)), 0);
      await file.sync();
    }
    await fs.syncDirectory("/d");
    await fs.rename("/d/a", "/d/b");
    await fs.unlink("/d/b.missing").catch((error: { code?: string }) => expect(error.code).toBe("ENOENT"));
    let after = fs.crash();
    expect((await after.readdir("/d")).sort()).toEqual(["a", "b"]);
    expect(after.readFile("/d/b")).toEqual(bytes(98));

    await after.rename("/d/a", "/d/b");
    await after.syncDirectory("/d");
    await after.unlink("/d/b");
    after = after.crash();
    expect(await after.readdir("/d")).toEqual(["b"]);
    expect(after.readFile("/d/b")).toEqual(bytes(97));
  });

  it("tears unsynced writes sector by sector when crashed with a random source, holes included", async () => {
    const fs = new MemoryFs({ sectorBytes: 4 });
    await fs.mkdir("/d");
    const file = await fs.open("/d/f", "create");
    await file.write(new Uint8Array(16), 0);
    await file.sync();
    await fs.syncDirectory("/d");
    await file.write(new Uint8Array(16).fill(5), 0);
    let flip = 0;
    const after = fs.crash({ random: () => (flip++ % 2 === 0 ? 0.9 : 0.1) });
    // Sectors 0..3, kept alternately: lost, kept, lost, kept (in the order they were dirtied).
    expect(after.readFile("/d/f")).toEqual(bytes(0, 0, 0, 0, 5, 5, 5, 5, 0, 0, 0, 0, 5, 5, 5, 5));
  });

  it("refuses every operation of the crashed process, through the file system and its handles", async () => {
    const fs = new MemoryFs();
    await fs.mkdir("/d");
    const file = await fs.open("/d/f", "create");
    const after = fs.crash();
    await expect(file.write(bytes(1), 0)).rejects.toThrow(/crashed/);
    await expect(fs.open("/d/g", "create")).rejects.toThrow(/crashed/);
    await expect(fs.rename("/d/f", "/d/g")).rejects.toThrow(/crashed/);
    expect(await after.readdir("/d")).toEqual([]);
  });

  it("runs an injected fault in place of any operation, and counts syncs", async () => {
    const fs = new MemoryFs({
      onOperation: (operation, path) => {
        if (operation === "datasync" && path.endsWith("bad")) throw Object.assign(new Error("EIO"), { code: "EIO" });
      },
    });
    await fs.mkdir("/d");
    const good = await fs.open("/d/good", "create");
    const bad = await fs.open("/d/bad", "create");
    await good.datasync();
    await expect(bad.datasync()).rejects.toThrow("EIO");
    expect(fs.stats.datasyncs).toBe(1);
  });

  it("reports missing files as ENOENT, like node", async () => {
    const fs = new MemoryFs();
    await expect(fs.open("/nowhere/f", "read")).rejects.toMatchObject({ code: "ENOENT" });
    await expect(fs.readdir("/nowhere")).rejects.toMatchObject({ code: "ENOENT" });
  });
});
