"""帮助: the user guides of docs/guide/ (one Markdown file per role), listed and shown as HTML.

The guides are plain Markdown in the repository, written in Chinese for the staff; this module
only knows which file belongs to which role and renders it with markdown-it-py, raw HTML in the
source switched off (it is shown as text), so a guide can never inject markup into the page.
"""

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from markdown_it import MarkdownIt

from districtops.gate.permissions import scope_of
from districtops.org.models import Membership, UnitKind
from districtops.org.roles import Role

GUIDE_DIR = Path(settings.BASE_DIR) / "docs" / "guide"


@dataclass(frozen=True)
class Guide:
    slug: str  # the file docs/guide/<slug>.md and the page /help/<slug>/
    title: str
    summary: str
    roles: frozenset = frozenset()  # whose own guide it is
    public: bool = False  # readable without signing in

    @property
    def path(self) -> Path:
        return GUIDE_DIR / f"{self.slug}.md"


GUIDES = (
    Guide(Role.LEADER.value, _("区领导"), _("驾驶舱、大屏、月度通报与周报订阅"), frozenset({Role.LEADER})),
    Guide(Role.SUPERVISOR.value, _("督查人员"), _("交办、审核、退回、办结，会议议定事项，督导考核，群众反映分办"),
          frozenset({Role.SUPERVISOR})),
    Guide("unit", _("单位负责人和工作人员"), _("待办、签收、报送进展、申请办结、逾期说明，隐患整改，代表建议答复，项目节点进度"),
          frozenset({Role.UNIT_HEAD, Role.UNIT_STAFF})),
    # Own guide of a 单位负责人/工作人员 whose unit is a street (see own_slugs), not of a role alone.
    Guide("street", _("街道工作人员"), _("街道的督办事项、隐患、项目节点和代表建议")),
    Guide(Role.STATISTICIAN.value, _("统计员"), _("月度报表导入、审核发现、情况说明、统计期审定发布"),
          frozenset({Role.STATISTICIAN})),
    Guide("sysadmin", _("系统管理员"), _("单位、人员、节假日、项目配置、合作系统密钥、后台任务"),
          frozenset({Role.SYS_ADMIN})),
    Guide("secadmin", _("安全管理员"), _("账号与锁定、登录尝试、安全策略"), frozenset({Role.SEC_ADMIN})),
    Guide("auditadmin", _("审计管理员"), _("审计日志、修改历史、校验审计链"), frozenset({Role.AUDIT_ADMIN})),
    Guide("public", _("群众"), _("网上反映问题、凭查询编号查看办理情况"), public=True),
)  # fmt: skip
BY_SLUG = {g.slug: g for g in GUIDES}
STREET_ROLES = frozenset({Role.UNIT_HEAD, Role.UNIT_STAFF})


def own_slugs(user) -> list[str]:
    """The guides of the roles a person holds, most specific first. A 单位负责人 or 工作人员 of a
    street (街道) gets the street guide before the general unit guide; elsewhere only the unit guide."""
    if not user.is_authenticated:
        return ["public"]
    roles = {g.role for g in scope_of(user).grants}
    street_roles = STREET_ROLES & roles
    on_street = (
        bool(street_roles)
        and Membership.objects.filter(
            user_id=user.pk, role__in=street_roles, unit__kind=UnitKind.SUBDISTRICT, unit__is_active=True
        ).exists()
    )
    slugs = ["street"] if on_street else []
    slugs += [g.slug for g in GUIDES if g.roles & roles]
    return slugs


def ordered_for(user) -> list[dict]:
    """Every guide the person may read, their own first (in ``own_slugs`` order)."""
    mine = own_slugs(user)
    readable = [g for g in GUIDES if g.public or user.is_authenticated]
    ranked = sorted(readable, key=lambda g: mine.index(g.slug) if g.slug in mine else len(mine))
    return [
        {"guide": g, "mine": g.slug in mine, "url": reverse("portal:help_guide", args=[g.slug])}
        for g in ranked
    ]


_GUIDE_LINK = re.compile(r"^(?:\./)?([a-z]+)\.md(#[\w-]+)?$")


def _markdown() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable("table")

    def decorate(state):
        """Ids on h2 (the page's contents); links to another guide's file go to its /help/ page."""
        headings = state.env.setdefault("headings", [])
        tokens = state.tokens
        for i, tok in enumerate(tokens):
            if tok.type == "heading_open" and tok.tag == "h2":
                anchor = f"s{len(headings) + 1}"
                tok.attrSet("id", anchor)
                words = [c.content for c in tokens[i + 1].children or () if c.type in ("text", "code_inline")]
                headings.append({"id": anchor, "text": "".join(words)})
            elif tok.type == "inline" and tok.children:
                for child in tok.children:
                    if child.type != "link_open":
                        continue
                    match = _GUIDE_LINK.match(child.attrGet("href") or "")
                    if match and match.group(1) in BY_SLUG:
                        target = reverse("portal:help_guide", args=[match.group(1)]) + (match.group(2) or "")
                        child.attrSet("href", target)

    md.core.ruler.push("districtops_decorate", decorate)
    # A wide table scrolls inside its own box on a phone instead of widening the page.
    md.add_render_rule(
        "table_open",
        lambda *a: '<div class="table-responsive"><table class="table table-sm table-bordered">\n',
    )
    md.add_render_rule("table_close", lambda *a: "</table></div>\n")
    return md


MARKDOWN = _markdown()


def render_markdown(text: str) -> tuple[str, list[dict]]:
    """(HTML, the h2 headings as [{id, text}]) of one guide."""
    env: dict = {}
    html = MARKDOWN.render(text, env)
    return html, env.get("headings", [])


@lru_cache(maxsize=32)
def _rendered(path: Path, mtime_ns: int) -> tuple[str, list[dict]]:
    return render_markdown(path.read_text(encoding="utf-8"))


def rendered_guide(guide: Guide) -> tuple[str, list[dict]]:
    try:
        mtime = guide.path.stat().st_mtime_ns
    except FileNotFoundError:
        raise Http404 from None
    return _rendered(guide.path, mtime)


def help_index(request):
    """/help/: the list of guides, the person's own role's guide first. Signed-in staff only;
    a resident's guide has its own open address (/help/public/)."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    return render(request, "portal/help_index.html", {"guides": ordered_for(request.user)})


def help_guide(request, slug: str):
    """/help/<slug>/: one guide as HTML. The residents' guide is open to everyone; the staff
    guides need a signed-in person (anyone signed in may read any of them)."""
    guide = BY_SLUG.get(slug)
    if guide is None:
        raise Http404
    if not guide.public and not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    html, headings = rendered_guide(guide)
    # Safe to show as markup: markdown-it runs with html off, so every tag in the source is escaped
    # and link targets pass its validator (no javascript: or data: addresses).
    body = mark_safe(html)  # noqa: S308
    return render(
        request,
        "portal/help_guide.html",
        {"guide": guide, "body": body, "headings": headings, "guides": ordered_for(request.user)},
    )
