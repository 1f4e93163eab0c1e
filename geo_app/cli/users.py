"""`flask users add|set|passwd|token|list|disable`: the people who may change data, from the command line."""

from __future__ import annotations

import logging
from pathlib import Path

import click
from flask.cli import AppGroup

from geo_app.auth import users
from geo_app.web import context

group = AppGroup("users", help="Users and their roles, API tokens (" + ", ".join(users.ROLES) + ").")
log = logging.getLogger("geo_app.auth")


def _read_password(path: Path | None) -> str:
    if path is None:
        return click.prompt("password", hide_input=True, confirmation_prompt=True)
    lines = path.read_text(encoding="utf-8").splitlines()
    if not lines:
        raise click.ClickException(f"{path} is empty: put the password on its first line")
    return lines[0]


def _grids(text: str) -> tuple[str, ...]:
    return tuple(g.strip() for g in text.split(",") if g.strip())


@group.command("add")
@click.argument("name")
@click.option("--role", required=True, type=click.Choice(users.ROLES))
@click.option(
    "--password-file",
    type=click.Path(path_type=Path, exists=True, dir_okay=False),
    help="Read the password from the first line of this file instead of a prompt.",
)
@click.option("--grids", default="", help="Supervisors: the grid codes they patrol, comma-separated.")
@click.option(
    "--department", default=None, help="Handlers: their department. Partners: their source line (12345 or 110)."
)
def add_command(name, role, password_file, grids, department):
    """Add user NAME with a role; the password comes from a prompt (or --password-file)."""
    try:
        users.check_name(name)
        user = users.add(
            context.store(), name, role, _read_password(password_file), grids=_grids(grids), department=department
        )
    except users.UserError as exc:
        raise click.ClickException(str(exc)) from None
    log.info("user added: %s (%s)", user.name, user.role)
    click.echo(f"added {user.name} ({user.role})")


@group.command("set")
@click.argument("name")
@click.option(
    "--role", type=click.Choice(users.ROLES), help="A new role (grids or a department it does not have are dropped)."
)
@click.option("--grids", default=None, help="Supervisors: the grid codes they patrol, comma-separated ('' for none).")
@click.option("--department", default=None, help="Handlers: their department. Partners: their line ('' for none).")
def set_command(name, role, grids, department):
    """Change NAME's role, grids or department; what is not given is kept."""
    if role is None and grids is None and department is None:
        raise click.ClickException("give --role, --grids or --department")
    try:
        user = users.change(
            context.store(), name, role=role, grids=None if grids is None else _grids(grids), department=department
        )
    except users.UserError as exc:
        raise click.ClickException(str(exc)) from None
    extra = ",".join(user.grids) if user.role == "supervisor" else (user.department or "")
    log.info("user changed: %s (%s) %s", user.name, user.role, extra)
    click.echo(f"{user.name} ({user.role}) {extra}".rstrip())


@group.command("passwd")
@click.argument("name")
@click.option(
    "--password-file",
    type=click.Path(path_type=Path, exists=True, dir_okay=False),
    help="Read the new password from the first line of this file instead of a prompt.",
)
def passwd_command(name, password_file):
    """Give NAME a new password; their API token is revoked and their sessions end."""
    try:
        if users.get(context.store(), name) is None:
            raise users.UserError(f"no user {name!r}")
        users.set_password(context.store(), name, _read_password(password_file))
    except users.UserError as exc:
        raise click.ClickException(str(exc)) from None
    log.info("password changed, token revoked: %s", name)
    click.echo(f"new password for {name}; their API token is revoked (`flask users token {name}` makes a new one)")


@group.command("token")
@click.argument("name")
def token_command(name):
    """Print a new API token for NAME (send it as `Authorization: Bearer <token>`); the old one stops working."""
    user = users.get(context.store(), name)
    if user is None or not user.is_active:
        raise click.ClickException(f"no active user {name!r}")
    try:
        token = users.new_token(context.store(), name)
    except users.UserError as exc:
        raise click.ClickException(str(exc)) from None
    log.info("new API token for %s", name)
    click.echo(token)


@group.command("list")
def list_command():
    """Every user with role, state, grids or department (never a password or token)."""
    for user in users.listing(context.store()):
        extra = ",".join(user.grids) if user.role == "supervisor" else (user.department or "")
        state = "disabled" if user.disabled else "active"
        click.echo(f"{user.name}\t{user.role}\t{state}\t{user.created_at}\t{extra}".rstrip())


@group.command("disable")
@click.argument("name")
def disable_command(name):
    """NAME can no longer log in or use a token (the token is revoked, sessions end)."""
    try:
        users.disable(context.store(), name)
    except users.UserError as exc:
        raise click.ClickException(str(exc)) from None
    log.info("user disabled: %s", name)
    click.echo(f"disabled {name}")
