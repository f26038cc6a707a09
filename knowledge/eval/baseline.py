"""The naive baseline for the evaluation: a plain langchain retrieve-and-generate chain (dense retrieval, a
common RAG prompt, the same model) with no checks, no catalogue facts and no strict refusal."""
from __future__ import annotations

import re

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.output_parsers import StrOutputParser
from langchain_core.prompts import ChatPromptTemplate
from langchain_core.retrievers import BaseRetriever
from langchain_core.runnables import Runnable, RunnablePassthrough

from ..index import Index

NAIVE_PROMPT = ChatPromptTemplate.from_messages([
    ("system", "You are a helpful assistant for an online store. Use the following pieces of retrieved context to "
               "answer the question. If you don't know the answer, say that you don't know."),
    ("human", "Context:\n{context}\n\nQuestion: {question}"),
])
SAYS_UNKNOWN = re.compile(r"don't know|do not know|not sure|no information|not mentioned|not provided|cannot find|"
                          r"can't find|unable to|不知道|没有提到|没有相关|无法|未提及|没有提供|抱歉", re.I)


class DenseRetriever(BaseRetriever):
    index: Index
    k: int = 3

    model_config = {"arbitrary_types_allowed": True}

    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun) -> list[Document]:
        return [Document(page_content=h.text, id=h.id, metadata=h.meta) for h in self.index.dense(query, self.k)]


def naive_chain(index: Index, model: BaseChatModel, k: int = 3) -> Runnable:
    retriever = DenseRetriever(index=index, k=k)
    context = retriever | (lambda docs: "\n\n".join(d.page_content for d in docs))
    return ({"context": context, "question": RunnablePassthrough()} | NAIVE_PROMPT | model
            | StrOutputParser()).with_config(run_name="naive_rag")
