// gantry/testing: what users need to test their own agents without a model or a network.
export {
  ScriptedChatModel,
  type ScriptedChatModelOptions,
  type ScriptedMessage,
  type ScriptedReply,
  type ScriptedRequest,
  type ScriptedToolCall,
} from './scripted-chat-model.ts';
export {
  startOpenAIStub,
  type OpenAIStub,
  type OpenAIStubOptions,
  type StubReply,
  type StubReplies,
  type StubCompletion,
  type StubHttpError,
  type StubConnectionReset,
  type StubToolCall,
  type StubRequestRecord,
} from './openai-stub-server.ts';
export { HashEmbeddings, type HashEmbeddingsOptions } from './hash-embeddings.ts';
export {
  writeTinyLlamaGguf, qwenToolCallScript, TINY_TOOL_CALL_SCRIPT, TINY_ANSWER_SCRIPT, TINY_CHAT_TEMPLATE,
  type TinyLlamaGgufOptions, type TinyModelInfo,
} from './tiny-gguf.ts';
