// The JSON Schema of `<coalition>.manifest.json` (version 1). `coalc build` writes it beside the
// manifests, which reference it by `$schema`; `schemas/manifest.schema.json` is the same document,
// shipped in the package and kept equal to this one by a test.
export const manifestSchema = {
  $schema: "https://json-schema.org/draft/2020-12/schema",
  $id: "https://coal.dev/schemas/coal-manifest-v1.json",
  title: "coal coalition manifest, version 1",
  description:
    "Written by `coalc build`: every id and fingerprint of a coalition (spec 02), with preimage parts as labelled hex, so a third party can re-derive each one.",
  type: "object",
  required: [
    "manifest_version",
    "compiler",
    "schema_version",
    "universe",
    "coalition",
    "citizens",
    "types",
  ],
  additionalProperties: false,
  properties: {
    $schema: {
      type: "string",
    },
    manifest_version: {
      const: 1,
    },
    compiler: {
      type: "string",
    },
    schema_version: {
      const: 1,
    },
    universe: {
      type: "string",
      pattern: "^[0-9a-f]{64}$",
    },
    coalition: {
      oneOf: [
        {
          type: "null",
        },
        {
          $ref: "#/$defs/coalition",
        },
      ],
    },
    citizens: {
      type: "array",
      items: {
        $ref: "#/$defs/citizen",
      },
    },
    types: {
      type: "object",
      additionalProperties: {
        $ref: "#/$defs/type",
      },
    },
  },
  $defs: {
    part: {
      type: "object",
      required: ["label", "hex"],
      additionalProperties: false,
      properties: {
        label: {
          type: "string",
        },
        hex: {
          type: "string",
          pattern: "^([0-9a-f]{2})*$",
        },
        source: {
          type: "string",
        },
      },
    },
    preimage: {
      type: "object",
      required: ["rule", "digest", "parts"],
      additionalProperties: false,
      properties: {
        rule: {
          enum: ["H", "derive", "id"],
        },
        digest: {
          type: "string",
          pattern: "^[0-9a-f]{64}$",
        },
        parts: {
          type: "array",
          items: {
            $ref: "#/$defs/part",
          },
        },
      },
    },
    admissionTree: {
      type: "object",
      required: ["kind", "signature"],
      properties: {
        kind: {
          enum: ["open", "validator", "all", "any"],
        },
        signature: {
          type: "string",
          pattern: "^[0-9a-f]{64}$",
        },
        expression: {
          type: "string",
        },
        operands: {
          type: "array",
          items: {
            $ref: "#/$defs/admissionTree",
          },
        },
      },
      additionalProperties: false,
    },
    admission: {
      type: "object",
      required: ["normalised", "signature", "tree"],
      additionalProperties: false,
      properties: {
        normalised: {
          type: "string",
        },
        signature: {
          type: "string",
          pattern: "^[0-9a-f]{64}$",
        },
        tree: {
          $ref: "#/$defs/admissionTree",
        },
      },
    },
    ref: {
      type: "object",
      required: ["name", "kind", "stable_id", "content_hash", "pinned"],
      additionalProperties: false,
      properties: {
        name: {
          type: "string",
        },
        kind: {
          enum: ["lattice", "organism", "confluence"],
        },
        stable_id: {
          type: "string",
          pattern: "^[0-9a-f]{64}$",
        },
        content_hash: {
          oneOf: [
            {
              type: "string",
              pattern: "^[0-9a-f]{64}$",
            },
            {
              type: "null",
            },
          ],
        },
        pinned: {
          type: "boolean",
        },
      },
    },
    content: {
      type: "object",
      required: ["type", "schema", "bytes"],
      additionalProperties: false,
      properties: {
        type: {
          type: "string",
        },
        schema: {
          type: "string",
          pattern: "^[0-9a-f]{64}$",
        },
        bytes: {
          type: "string",
          pattern: "^([0-9a-f]{2})*$",
        },
        inline: {
          type: "boolean",
        },
      },
    },
    field: {
      type: "object",
      required: ["name", "type"],
      additionalProperties: false,
      properties: {
        name: {
          type: "string",
        },
        type: {
          type: "string",
        },
      },
    },
    citizen: {
      type: "object",
      required: ["kind", "name", "stable_id"],
      properties: {
        kind: {
          enum: ["lattice", "organism", "confluence"],
        },
        name: {
          type: "string",
        },
        instance: {
          type: ["string", "null"],
        },
        role: {
          type: "string",
        },
        shape: {
          enum: ["integrator", "standalone", "confluence_member", "swarm"],
        },
        stable_id: {
          type: "string",
          pattern: "^[0-9a-f]{64}$",
        },
        content_hash: {
          oneOf: [
            {
              type: "string",
              pattern: "^[0-9a-f]{64}$",
            },
            {
              type: "null",
            },
          ],
        },
        fingerprint: {
          type: "string",
          pattern: "^[0-9a-f]{64}$",
        },
        content: {
          $ref: "#/$defs/content",
        },
        spans: {
          type: "array",
          items: {
            $ref: "#/$defs/ref",
          },
        },
        streams: {
          type: "array",
          items: {
            type: "object",
            required: ["name", "id", "type", "type_id"],
            additionalProperties: false,
            properties: {
              name: {
                type: "string",
              },
              id: {
                type: "string",
                pattern: "^[0-9a-f]{64}$",
              },
              type: {
                type: "string",
              },
              type_id: {
                type: "string",
                pattern: "^[0-9a-f]{64}$",
              },
              source: {
                type: ["string", "null"],
                description: "path:line:column of the declaration, relative to the workspace root",
              },
            },
          },
        },
        collections: {
          type: "array",
          items: {
            type: "object",
            required: ["name", "kind", "id", "parameters"],
            additionalProperties: false,
            properties: {
              name: {
                type: "string",
              },
              kind: {
                enum: ["map", "vec", "set", "cell", "once", "priority_queue"],
              },
              id: {
                type: "string",
                pattern: "^[0-9a-f]{64}$",
              },
              parameters: {
                type: "array",
                items: {
                  type: "object",
                  required: ["type", "type_id"],
                  additionalProperties: false,
                  properties: {
                    type: {
                      type: "string",
                    },
                    type_id: {
                      type: "string",
                      pattern: "^[0-9a-f]{64}$",
                    },
                  },
                },
              },
              source: {
                type: ["string", "null"],
                description: "path:line:column of the declaration, relative to the workspace root",
              },
            },
          },
        },
        admission: {
          $ref: "#/$defs/admission",
        },
        committee: {
          type: "object",
          properties: {
            members: {
              type: "integer",
              minimum: 0,
            },
            tdx: {
              oneOf: [
                {
                  type: "null",
                },
                {
                  type: "object",
                  required: ["measurements", "criteria"],
                  properties: {
                    measurements: {
                      type: "string",
                    },
                    criteria: {
                      type: "string",
                      pattern: "^[0-9a-f]{64}$",
                    },
                  },
                  additionalProperties: false,
                },
              ],
            },
          },
          additionalProperties: false,
        },
        preimage: {
          $ref: "#/$defs/preimage",
        },
        source: {
          type: ["string", "null"],
          description: "path:line:column of the declaration, relative to the workspace root",
        },
      },
      additionalProperties: false,
      allOf: [
        {
          if: {
            properties: {
              kind: {
                const: "organism",
              },
            },
          },
          then: {
            required: [
              "instance",
              "content_hash",
              "content",
              "streams",
              "collections",
              "admission",
              "preimage",
            ],
          },
        },
        {
          if: {
            properties: {
              kind: {
                const: "confluence",
              },
            },
          },
          then: {
            required: [
              "instance",
              "fingerprint",
              "content",
              "spans",
              "streams",
              "collections",
              "admission",
              "preimage",
            ],
          },
        },
      ],
    },
    module: {
      type: "object",
      required: ["root", "fingerprint", "content", "admission", "preimage"],
      additionalProperties: false,
      properties: {
        root: {
          type: "string",
          pattern: "^[0-9a-f]{64}$",
        },
        fingerprint: {
          type: "string",
          pattern: "^[0-9a-f]{64}$",
        },
        content: {
          $ref: "#/$defs/content",
        },
        admission: {
          $ref: "#/$defs/admission",
        },
        preimage: {
          $ref: "#/$defs/preimage",
        },
        source: {
          type: ["string", "null"],
          description: "path:line:column of the declaration, relative to the workspace root",
        },
      },
    },
    coalition: {
      type: "object",
      required: [
        "declaration",
        "name",
        "ids",
        "lattices",
        "organisms",
        "confluences",
        "modules",
        "tickets",
        "retirement",
        "preimages",
      ],
      additionalProperties: false,
      properties: {
        declaration: {
          type: "string",
        },
        name: {
          type: "string",
        },
        ids: {
          type: "object",
          required: [
            "COALITION",
            "COALITION_ROOT",
            "TICKETS_ROOT",
            "coalition_id",
            "ticket_issuer",
          ],
          additionalProperties: false,
          properties: {
            COALITION: {
              type: "string",
              pattern: "^[0-9a-f]{64}$",
            },
            COALITION_ROOT: {
              type: "string",
              pattern: "^[0-9a-f]{64}$",
            },
            TICKETS_ROOT: {
              type: "string",
              pattern: "^[0-9a-f]{64}$",
            },
            coalition_id: {
              type: "string",
              pattern: "^[0-9a-f]{64}$",
            },
            ticket_issuer: {
              oneOf: [
                {
                  type: "string",
                  pattern: "^[0-9a-f]{64}$",
                },
                {
                  type: "null",
                },
              ],
            },
          },
        },
        lattices: {
          type: "array",
          items: {
            $ref: "#/$defs/ref",
          },
        },
        organisms: {
          type: "array",
          items: {
            $ref: "#/$defs/ref",
          },
        },
        confluences: {
          type: "array",
          items: {
            $ref: "#/$defs/ref",
          },
        },
        modules: {
          type: "object",
          propertyNames: {
            enum: ["atlas", "almanac", "chronicle", "compute"],
          },
          additionalProperties: {
            $ref: "#/$defs/module",
          },
        },
        tickets: {
          oneOf: [
            {
              type: "null",
            },
            {
              type: "object",
              required: ["name", "fingerprint", "admission", "preimage"],
              additionalProperties: false,
              properties: {
                name: {
                  type: "string",
                },
                fingerprint: {
                  type: "string",
                  pattern: "^[0-9a-f]{64}$",
                },
                admission: {
                  $ref: "#/$defs/admission",
                },
                preimage: {
                  $ref: "#/$defs/preimage",
                },
              },
            },
          ],
        },
        retirement: {
          type: "object",
          required: ["notice_ms", "bytes"],
          additionalProperties: false,
          properties: {
            notice_ms: {
              type: "string",
              pattern: "^[0-9]+$",
            },
            bytes: {
              type: "string",
              pattern: "^([0-9a-f]{2})*$",
            },
          },
        },
        preimages: {
          type: "object",
          required: ["COALITION", "COALITION_ROOT", "coalition_id"],
          additionalProperties: false,
          properties: {
            COALITION: {
              $ref: "#/$defs/preimage",
            },
            COALITION_ROOT: {
              $ref: "#/$defs/preimage",
            },
            coalition_id: {
              $ref: "#/$defs/preimage",
            },
          },
        },
        source: {
          type: ["string", "null"],
          description: "path:line:column of the declaration, relative to the workspace root",
        },
      },
    },
    type: {
      type: "object",
      required: ["kind", "schema"],
      additionalProperties: false,
      properties: {
        kind: {
          enum: ["record", "enum"],
        },
        schema: {
          type: "string",
          pattern: "^[0-9a-f]{64}$",
        },
        fields: {
          type: "array",
          items: {
            $ref: "#/$defs/field",
          },
        },
        variants: {
          type: "array",
          items: {
            type: "object",
            required: ["name", "fields"],
            additionalProperties: false,
            properties: {
              name: {
                type: "string",
              },
              fields: {
                type: "array",
                items: {
                  $ref: "#/$defs/field",
                },
              },
            },
          },
        },
      },
    },
  },
} as const;
