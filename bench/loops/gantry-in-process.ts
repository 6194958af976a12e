import { BaseChatModel } from '@langchain/core/language_models/chat_models';
import { AIMessageChunk, type BaseMessage } from '@langchain/core/messages';
import { ChatGenerationChunk, type ChatResult } from '@langchain/core/outputs';
import { ADD_TOOL_NAME, FINAL_ANSWER, TOOL_CALLS_PER_RUN, type LoopRunner } from './add-task.ts';
import { createGantryLoopFor } from './gantry-agent.ts';

/**
 * Gantry's own share of a step: the same task with an in-process chat model that answers at once
 * (no HTTP, no SDK), so what remains is the loop, planner, router, validation and events.
 */
class InProcessAddModel extends BaseChatModel {
  calls = 0;

  override _llmType(): string {
    return 'in-process-add';
  }

  override bindTools(): this {
    return this;
  }

  override async *_streamResponseChunks(messages: BaseMessage[]): AsyncGenerator<ChatGenerationChunk> {
    this.calls += 1;
    const done = messages.filter((message) => message.getType() === 'tool').length;
    const usage = { input_tokens: 10, output_tokens: 5, total_tokens: 15 };
    if (done >= TOOL_CALLS_PER_RUN) {
      for (const text of [FINAL_ANSWER.slice(0, 10), FINAL_ANSWER.slice(10)]) {
        yield new ChatGenerationChunk({ text, message: new AIMessageChunk({ content: text }) });
      }
      yield new ChatGenerationChunk({ text: '', message: new AIMessageChunk({ content: '', usage_metadata: usage }) });
      return;
    }
    const args = JSON.stringify({ a: (done * (done + 1)) / 2, b: done + 1 });
    yield new ChatGenerationChunk({
      text: '',
      message: new AIMessageChunk({ content: '', usage_metadata: usage, tool_call_chunks: [{ index: 0, id: `call_${done}`, name: ADD_TOOL_NAME, args, type: 'tool_call_chunk' }] }),
    });
  }

  override async _generate(): Promise<ChatResult> {
    throw new Error('The benchmark model only streams.');
  }
}

export function createGantryInProcessLoop(): LoopRunner & { modelCalls(): number } {
  const model = new InProcessAddModel({});
  return Object.assign(createGantryLoopFor(model), { modelCalls: () => model.calls });
}
