"""The words a report's narrative uses for table 二's columns, in one place.

Both readers of the narrative take them from here: the glued-digit resolver (which
column of a row a stated count names, ``nianbao.normalize.glued``) and the text-vs-table check
(``nianbao.normalize.validate``).  Each is a regex alternation.
"""

from __future__ import annotations

ISSUED = "制发|印发|出台|制定"  # 本年制发件数 (2021), 新制作 (2019 regulations)
REPEALED = "废止"  # 本年废止件数
# Looser words, good enough to say which column a count names, not to check it:
# 清理 (reviewed) and 失效 (lapsed) documents are not always repealed ones.
REPEALED_LOOSE = f"{REPEALED}|失效|清理"
IN_FORCE = "现行有效"  # 现行有效件数
MADE = "制作"  # 本年新制作数量 (2019)
PUBLISHED = "公开|发布"  # 本年新公开数量 (2019)
TOTAL_PUBLISHED = "总数|累计|共计"  # 对外公开总数量 (2019)
PROCUREMENT = "采购"  # 采购项目数量
