"""Wagtail's migrations create rows with English names that the admin shows on every
screen: the tree root "Root" (breadcrumbs, choosers), the groups "Moderators" and
"Editors", and the workflow and task "Moderators approval".  On a Chinese site they get
Chinese names, once, after migrate; a name an administrator chose is kept."""

ROOT_TITLE = "全部站点"
GROUPS = {"Moderators": "审核员", "Editors": "编辑"}
WORKFLOW = {"Moderators approval": "审核员审批"}


def give_chinese_names(sender, **kwargs) -> None:
    """post_migrate: rename the rows that still carry Wagtail's English names."""
    from django.contrib.auth.models import Group
    from wagtail.models import Page, Task, Workflow

    Page.objects.filter(depth=1, title="Root").update(title=ROOT_TITLE, draft_title=ROOT_TITLE)
    for english, chinese in GROUPS.items():
        if not Group.objects.filter(name=chinese).exists():
            Group.objects.filter(name=english).update(name=chinese)
    for english, chinese in WORKFLOW.items():
        Workflow.objects.filter(name=english).update(name=chinese)
        Task.objects.filter(name=english).update(name=chinese)
