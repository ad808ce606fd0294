from .manual import ManualSection, ManualSnapshot, SectionBlock, SiteAnnex

__all__ = ["ManualSection", "ManualSnapshot", "SectionBlock", "SiteAnnex"]
