"""Several greedy generations at once in one llama.cpp context, so concurrent answers stream side by side instead of
waiting behind a lock, and fixed prompt prefixes are evaluated once.

One scheduler thread owns the context. `BatchedLlama.generate` may be called from any thread: the request is
queued to the scheduler, which gives it a sequence (a slot) of the shared KV cache, and its text comes back
through the request's own queue. Each step builds one batch: the next token of every answer being written, then
prompt tokens of the answers still reading their prompt (in arrival order, a bounded chunk while others decode so
their tokens keep flowing). The KV of each fixed prompt prefix (a system prompt; a few are kept, the least recently
used goes first) lives in a sequence of its own and is copied into each new slot that starts with it. With
`lookup_tokens`, prompt-lookup decoding: the tokens that follow the latest n-gram where it appears earlier in the
prompt are checked in the same batch, and each one greedy decoding would have chosen anyway is kept.

Sampling reproduces what `Llama.create_chat_completion(temperature=0, repeat_penalty=...)` does: the penalty on
the distinct tokens among the last `penalty_last_n` generated ones, then the first maximum."""
from __future__ import annotations

import codecs
import ctypes
import queue
import threading
from dataclasses import dataclass, field
from typing import Iterator

import numpy as np

PENALTY_LAST_N = 64  # llama-cpp-python's last_n_tokens_size default, which create_chat_completion uses


@dataclass
class Request:
    """One generation: the prompt's tokens, how many of them are the shared prefix worth caching, its limits."""

    prompt: list[int]
    prefix_len: int
    max_tokens: int
    stop: list[str]
    out: queue.Queue = field(default_factory=queue.Queue)  # text pieces, then None (or an exception)
    cancelled: threading.Event = field(default_factory=threading.Event)


@dataclass
class Slot:
    """A request being served in KV sequence `seq`."""

    seq: int
    request: Request
    n_past: int = 0  # tokens of prompt + answer whose KV is in the cache
    generated: list[int] = field(default_factory=list)
    next_token: int | None = None  # sampled, not yet in the cache
    text: str = ""  # decoded answer text
    sent: int = 0  # characters of `text` already sent
    decoder: codecs.IncrementalDecoder = field(default_factory=lambda: codecs.getincrementaldecoder("utf-8")("ignore"))

    @property
    def prefilling(self) -> bool:
        return self.next_token is None


def common_prefix(a: list[int], b: list[int]) -> int:
    """How many leading tokens two token lists share."""
    n = 0
    for x, y in zip(a, b):
        if x != y:
            break
        n += 1
    return n


def greedy_token(logits: np.ndarray, history: list[int], repeat_penalty: float) -> int:
    """The greedy token after llama.cpp's repetition penalty over the distinct recent tokens."""
    recent = list(set(history[-PENALTY_LAST_N:])) if repeat_penalty != 1.0 else []
    if not recent:
        return int(np.argmax(logits))
    logits = logits.copy()
    values = logits[recent]
    logits[recent] = np.where(values <= 0, values * repeat_penalty, values / repeat_penalty)
    return int(np.argmax(logits))


class BatchedLlama:
    """A llama.cpp model and one context with `slots` parallel sequences, served by one scheduler thread."""

    def __init__(self, model_path: str, slots: int = 4, n_ctx_per_slot: int = 2048, n_threads: int = 2,
                 n_batch: int = 512, prefill_chunk: int = 128, repeat_penalty: float = 1.05, lookup_tokens: int = 0,
                 lookup_ngram: int = 2, prefixes: int = 3, max_decoding: int | None = None):
        import llama_cpp
        from llama_cpp import _internals
        from llama_cpp._logger import set_verbose

        set_verbose(False)  # as Llama(verbose=False): llama.cpp's load and graph logs stay quiet

        self._ll = llama_cpp
        self.slots, self.n_batch, self.prefill_chunk = slots, n_batch, prefill_chunk
        self.repeat_penalty, self.lookup_tokens, self.lookup_ngram = repeat_penalty, lookup_tokens, lookup_ngram
        self.n_ctx_per_slot = n_ctx_per_slot
        # Answers decoded per step, oldest first (default: all). Where decoding is compute-bound, fewer finish the
        # first answers sooner at no cost to the last.
        self.max_decoding = max_decoding or slots
        llama_cpp.llama_backend_init()
        self.model = _internals.LlamaModel(path_model=model_path, params=_internals.LlamaModel.default_params(),
                                           verbose=False)
        params = llama_cpp.llama_context_default_params()
        params.n_ctx = n_ctx_per_slot * slots
        params.n_batch = params.n_ubatch = n_batch
        params.n_seq_max = slots + prefixes
        params.kv_unified = True  # one cache for all sequences, so the prefix's cells are shared, not copied
        params.n_threads = params.n_threads_batch = n_threads
        params.flash_attn_type = llama_cpp.LLAMA_FLASH_ATTN_TYPE_DISABLED  # as Llama() by default
        self.context = _internals.LlamaContext(model=self.model, params=params, verbose=False)
        self.n_vocab = self.model.n_vocab()
        self._batch = llama_cpp.llama_batch_init(n_batch, 0, 1)
        self._piece_buffer = ctypes.create_string_buffer(64)
        # Cached prefixes, most recently used first: (KV sequence that holds it, its tokens). Several, because the
        # service prompts the model with more than one fixed system prompt (the answer's, the reader's).
        self._prefixes: list[tuple[int, list[int]]] = [(seq, []) for seq in range(slots, slots + prefixes)]
        self._inbox: queue.Queue[Request] = queue.Queue()
        # Counters for the bench: decode calls, tokens evaluated, drafts checked and kept.
        self.stats = {"requests": 0, "prompt_tokens": 0, "prefix_reused": 0, "generated": 0, "steps": 0,
                      "evaluated": 0, "drafted": 0, "accepted": 0}
        self._thread = threading.Thread(target=self._run, name="llama-batch-scheduler", daemon=True)
        self._thread.start()

    # -- called from any thread

    def tokenize(self, text: str) -> list[int]:
        """Tokens of a rendered chat prompt (special tokens parsed, no BOS: the template writes its own)."""
        return self.model.tokenize(text.encode("utf-8"), add_bos=False, special=True)

    def generate(self, prompt: list[int], max_tokens: int, stop: list[str] | None = None,
                 prefix_len: int = 0) -> Iterator[str]:
        """The answer's text as it is written. Leaving the iterator early frees the slot."""
        limit = self.n_ctx_per_slot - len(prompt)
        if limit <= 0:
            raise ValueError(f"prompt of {len(prompt)} tokens does not fit {self.n_ctx_per_slot}")
        max_tokens = limit if max_tokens is None or max_tokens <= 0 else min(max_tokens, limit)
        request = Request(list(prompt), min(prefix_len, len(prompt) - 1), max_tokens, [s for s in stop or [] if s])
        self._inbox.put(request)
        try:
            while (piece := request.out.get()) is not None:
                if isinstance(piece, BaseException):
                    raise piece
                yield piece
        finally:
            request.cancelled.set()

    # -- the scheduler thread

    def _run(self) -> None:
        active: list[Slot] = []
        while True:
            free = sorted(set(range(self.slots)) - {s.seq for s in active})
            while free:
                try:
                    request = self._inbox.get(block=not active)
                except queue.Empty:
                    break
                if not request.cancelled.is_set():
                    active.append(self._admit(request, free.pop(0)))
            try:
                self._step(active)
            except Exception as exc:  # a failed decode fails the answers in it, not the service
                for slot in active:
                    slot.request.out.put(exc)
                    self._free(slot)
                active.clear()
                continue
            for slot in [s for s in active if s.request.cancelled.is_set()]:
                self._free(slot)
                active.remove(slot)

    def _admit(self, request: Request, seq: int) -> Slot:
        slot = Slot(seq, request)
        self.context.kv_cache_seq_rm(seq, -1, -1)
        wanted = request.prompt[:request.prefix_len]
        shared, best = max((common_prefix(tokens, wanted), i) for i, (_, tokens) in enumerate(self._prefixes))
        if shared:
            self._prefixes.insert(0, self._prefixes.pop(best))
            self.context.kv_cache_seq_cp(self._prefixes[0][0], seq, 0, shared)
            slot.n_past = shared
        self.stats["requests"] += 1
        self.stats["prompt_tokens"] += len(request.prompt)
        self.stats["prefix_reused"] += shared
        return slot

    def _free(self, slot: Slot) -> None:
        slot.request.cancelled.set()
        self.context.kv_cache_seq_rm(slot.seq, -1, -1)

    def _add(self, n: int, token: int, pos: int, seq: int, logits: bool) -> int:
        b = self._batch
        b.token[n], b.pos[n], b.n_seq_id[n], b.logits[n] = token, pos, 1, logits
        b.seq_id[n][0] = seq
        return n + 1

    def _step(self, active: list[Slot]) -> None:
        """One llama_decode over every active slot, then sampling for the slots that produced logits."""
        n = 0
        rows: dict[int, tuple[int, list[int]]] = {}  # slot seq -> (its first output row, its drafted tokens)
        decoding = [s for s in active if not s.prefilling][:self.max_decoding]
        for slot in decoding:
            drafts = self._drafts(slot)
            self.stats["drafted"] += len(drafts)
            rows[slot.seq] = (n, drafts)
            for i, token in enumerate([slot.next_token, *drafts]):
                n = self._add(n, token, slot.n_past + i, slot.seq, True)
        budget = self.n_batch - n if not decoding else min(self.prefill_chunk, self.n_batch - n)
        prefix_done = []
        for slot in [s for s in active if s.prefilling]:
            if budget <= 0:
                break
            prompt = slot.request.prompt
            take = min(budget, len(prompt) - slot.n_past)
            for pos in range(slot.n_past, slot.n_past + take):
                n = self._add(n, prompt[pos], pos, slot.seq, pos == len(prompt) - 1)
            if slot.n_past + take == len(prompt):
                rows[slot.seq] = (n - 1, [])
            if slot.n_past < slot.request.prefix_len <= slot.n_past + take:
                prefix_done.append(slot)
            budget -= take
            slot.n_past += take
        if n == 0:
            return
        self._batch.n_tokens = n
        self.stats["steps"] += 1
        self.stats["evaluated"] += n
        code = self._ll.llama_decode(self.context.ctx, self._batch)
        if code != 0:
            raise RuntimeError(f"llama_decode returned {code}")
        for slot in prefix_done:
            self._keep_prefix(slot)
        for slot in active:
            if slot.seq in rows:
                self._sample(slot, *rows[slot.seq])

    def _keep_prefix(self, slot: Slot) -> None:
        """A prefix the cache does not hold yet, just evaluated by this slot, replaces the least recently used one."""
        prefix = slot.request.prompt[:slot.request.prefix_len]
        if all(tokens != prefix for _, tokens in self._prefixes):
            seq = self._prefixes.pop()[0]  # the least recently used
            self.context.kv_cache_seq_rm(seq, -1, -1)
            self.context.kv_cache_seq_cp(slot.seq, seq, 0, len(prefix))
            self._prefixes.insert(0, (seq, prefix))

    def _drafts(self, slot: Slot) -> list[int]:
        """Prompt-lookup guesses of the tokens after `next_token` (none unless lookup_tokens)."""
        room = min(self.lookup_tokens, slot.request.max_tokens - len(slot.generated),
                   self.n_ctx_per_slot - slot.n_past - 2)
        if room <= 0:
            return []
        from llama_cpp.llama_speculative import LlamaPromptLookupDecoding

        ids = np.array(slot.request.prompt + slot.generated, dtype=np.intc)
        return [int(t) for t in LlamaPromptLookupDecoding.find_candidate_pred_tokens(ids, self.lookup_ngram, room)]

    def _piece(self, token: int) -> bytes:
        """The token's bytes as Llama's detokenize gives them (control tokens give none)."""
        size = self._ll.llama_token_to_piece(self.model.vocab, token, self._piece_buffer, 64, 0, False)
        return self._piece_buffer.raw[:size] if size > 0 else b""

    def _logits(self, row: int) -> np.ndarray:
        pointer = self._ll.llama_get_logits_ith(self.context.ctx, row)
        return np.ctypeslib.as_array(ctypes.cast(pointer, ctypes.POINTER(ctypes.c_float)), shape=(self.n_vocab,))

    def _sample(self, slot: Slot, row: int, drafts: list[int]) -> None:
        """Greedy tokens from this step's logits: the next one, then one more for each draft the model agrees with
        (a draft's KV is then already in the cache)."""
        if not slot.prefilling:
            slot.n_past += 1  # the token fed in this step
        for i in range(len(drafts) + 1):
            token = greedy_token(self._logits(row + i), slot.generated, self.repeat_penalty)
            if self._ll.llama_vocab_is_eog(self.model.vocab, token):
                return self._finish(slot)
            slot.generated.append(token)
            self.stats["generated"] += 1
            if self._emit(slot, token) or len(slot.generated) >= slot.request.max_tokens:
                return self._finish(slot)
            if i < len(drafts) and token == drafts[i]:
                self.stats["accepted"] += 1
                slot.n_past += 1
                continue
            if i < len(drafts):  # the drafts after a wrong one were evaluated for nothing
                self.context.kv_cache_seq_rm(slot.seq, slot.n_past, -1)
            slot.next_token = token
            return None

    def _emit(self, slot: Slot, token: int) -> bool:
        """Sends the token's text, holding back what may be the start of a stop string; True at a stop string."""
        slot.text += slot.decoder.decode(self._piece(token))
        stops = [slot.text.find(s) for s in slot.request.stop if s in slot.text]
        end = min(stops) if stops else len(slot.text) - max(
            (i for s in slot.request.stop for i in range(len(s) - 1, 0, -1) if slot.text.endswith(s[:i])), default=0)
        if end > slot.sent:
            slot.request.out.put(slot.text[slot.sent:end])
            slot.sent = end
        return bool(stops)

    def _finish(self, slot: Slot) -> None:
        """The answer is complete: send held-back text, close its stream; the scheduler frees the slot."""
        if slot.sent < len(slot.text) and not any(s in slot.text for s in slot.request.stop):
            slot.request.out.put(slot.text[slot.sent:])
        slot.request.out.put(None)
        slot.request.cancelled.set()
