import type { BaseLanguageModelInput } from '@langchain/core/language_models/base';
import type { AIMessageChunk, BaseMessage } from '@langchain/core/messages';
import { OutputParserException } from '@langchain/core/output_parsers';
import { RunnableLambda, RunnableSequence, type Runnable } from '@langchain/core/runnables';
import { textOf } from '../../agent/model-call.ts';
import { createValidator, toModelJsonSchema } from '../../tools/validation.ts';
import { restoreOptionalFields } from './llama-schema.ts';

/**
 * `withStructuredOutput` for the llama.cpp model: the reply is generated under a grammar built
 * from the schema, so it is always JSON of the right shape; it is then parsed, the `null`s the
 * grammar put in optional fields are removed, and the result is validated against the schema
 * (zod or JSON schema), which also checks what the grammar cannot (bounds, patterns).
 */
export function structuredOutputRunnable<Output extends Record<string, any>>(options: {
  schema: unknown;
  includeRaw: boolean;
  bind: (responseSchema: Record<string, unknown>) => Runnable<BaseLanguageModelInput, AIMessageChunk>;
}): Runnable<BaseLanguageModelInput, Output> | Runnable<BaseLanguageModelInput, { raw: BaseMessage; parsed: Output }> {
  const jsonSchema = toModelJsonSchema(options.schema);
  const validate = createValidator(options.schema);
  const parse = async (message: BaseMessage): Promise<Output> => {
    const text = textOf(message);
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      throw new OutputParserException(`The model's structured output is not complete JSON (it may have hit maxTokens): ${text.slice(0, 200)}`, text);
    }
    const result = await validate(restoreOptionalFields({ schema: jsonSchema, value }));
    if (!result.ok) {
      const issues = result.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`).join('; ');
      throw new OutputParserException(`The model's structured output does not match the schema: ${issues}`, text);
    }
    return result.value as Output;
  };
  const model = options.bind(jsonSchema);
  if (!options.includeRaw) return RunnableSequence.from([model, RunnableLambda.from(parse)]);
  return RunnableSequence.from([model, RunnableLambda.from(async (raw: BaseMessage) => ({ raw, parsed: await parse(raw) }))]);
}
