"""Serving: where the web page and API listen, who may use them, and how many questions are
answered at once."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator


class ServeSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    ui_host: str = Field("127.0.0.1", description="Web page: address to bind. Anything but loopback should come with ui_auth.")
    ui_port: int = Field(7860, ge=0, le=65535, description="Web page: port (0 picks a free one).")
    ui_auth: SecretStr | None = Field(None, description="Web page: 'user:password' required to open it (set RAG_UI_AUTH); never printed.")
    api_token: SecretStr | None = Field(
        None,
        description="REST API: bearer token accepted instead of RAG_UI_AUTH's password (Authorization: Bearer …); never printed.",
    )
    server_url: str | None = Field(
        None,
        description="Command line: `rag ask` and `rag retrieve` ask this running `rag serve` (e.g. http://127.0.0.1:7860) "
        "over its REST API, with api_token or ui_auth, instead of loading the index and models themselves.",
    )
    # Retrieval and the extractive answer take milliseconds, so a few workers keep 2 cores busy;
    # a local model answers one question at a time behind them anyway.
    ui_concurrency: int = Field(4, ge=1, le=64, description="Web page: questions answered at the same time; the rest wait in the queue.")
    ui_queue_size: int = Field(64, ge=1, description="Web page: questions that may wait; more are turned away with a message.")

    @field_validator("api_token")
    @classmethod
    def _long_token(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value().strip()) < 16:
            raise ValueError("RAG_API_TOKEN must be at least 16 characters (for example the output of `openssl rand -hex 24`)")
        return value

    @field_validator("ui_auth")
    @classmethod
    def _user_and_password(cls, value: SecretStr | None) -> SecretStr | None:
        # Gradio takes "admin" as user "admin" with an empty password: a page nobody can open.
        if value is not None:
            user, colon, password = value.get_secret_value().partition(":")
            if not colon or not user.strip() or not password:
                raise ValueError("RAG_UI_AUTH must be 'user:password', with a user name and a non-empty password")
        return value
