"""The consolidated implementation report Phòng Kinh tế owes (semi-annual and annual).

``data`` gathers what the report states from the database, ``tables`` words it once, and
``render`` (Markdown, Excel) and ``docx`` (Word, Nghị định 30/2020/NĐ-CP layout) write it.
"""
